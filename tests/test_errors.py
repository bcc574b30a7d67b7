"""Every error a user may catch lives in the public ``bingeo.errors`` and becomes a clean CLI message."""

from __future__ import annotations

import click
import pytest
from click.testing import CliRunner

import bingeo
import bingeo.errors as errors
from bingeo.cli._common import friendly

BUILTIN = {
    "BingeoError": Exception,
    "InputError": ValueError,
    "ContactError": ValueError,
    "CRSError": ValueError,
    "CRSMismatchError": ValueError,
    "StoreError": RuntimeError,
    "ConflictError": RuntimeError,
    "DriverMissingError": ImportError,
    "AssetsMissingError": FileNotFoundError,
    "CancelledError": RuntimeError,
    "MailError": RuntimeError,
}


def test_every_error_is_public_in_one_module():
    assert sorted(errors.__all__) == sorted(BUILTIN)
    for name, base in BUILTIN.items():
        cls = getattr(errors, name)
        assert getattr(bingeo, name) is cls
        assert name in bingeo.__all__
        assert issubclass(cls, errors.BingeoError) and issubclass(cls, base)
        assert cls.__module__ == "bingeo.errors"


def test_the_modules_that_raise_them_use_the_same_classes():
    from bingeo._contacts import ContactError
    from bingeo._webassets import AssetsMissingError
    from bingeo.stores.postgis import DriverMissingError

    assert (ContactError, AssetsMissingError, DriverMissingError) == (
        errors.ContactError,
        errors.AssetsMissingError,
        errors.DriverMissingError,
    )


def _make(name: str) -> Exception:
    cls = getattr(errors, name)
    return cls("bad_value", "the value cannot be used; fix it") if name == "ContactError" else cls("cannot; fix it")


@pytest.mark.parametrize("name", sorted(BUILTIN))
def test_cli_turns_each_error_into_a_message(name):
    @click.command()
    @friendly
    def cmd() -> None:
        raise _make(name)

    out = CliRunner().invoke(cmd, [])
    assert out.exit_code == 1
    assert "Traceback" not in out.output and out.exception is None or isinstance(out.exception, SystemExit)
    assert "fix it" in out.output


def test_a_real_command_error_is_a_message(tmp_path):
    from bingeo.cli.main import cli

    out = CliRunner().invoke(cli, ["networks", "list", "--store", str(tmp_path / "none.gpkg")])
    assert out.exit_code == 1, out.output
    assert "Traceback" not in out.output and "Error:" in out.output
