<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="nl_NL">
  <context>
    <name>bingeo</name>
    <message>
      <source>bingeo: alert recipients</source>
      <translation>bingeo: ontvangers van een alert</translation>
    </message>
    <message>
      <source>bingeo store (*.gpkg)</source>
      <translation>bingeo-opslag (*.gpkg)</translation>
    </message>
    <message>
      <source>urgent (SMS, else voice, else e-mail)</source>
      <translation>urgent (sms, anders spraakbericht, anders e-mail)</translation>
    </message>
    <message>
      <source>normal (e-mail, else SMS)</source>
      <translation>normaal (e-mail, anders sms)</translation>
    </message>
    <message>
      <source>e.g. a case number</source>
      <translation>bijv. een zaak- of PV-nummer</translation>
    </message>
    <message>
      <source>Also list the coordinators of the networks touched</source>
      <translation>Ook de coördinatoren van de betrokken netwerken opnemen</translation>
    </message>
    <message>
      <source>CSV (*.csv)</source>
      <translation>CSV (*.csv)</translation>
    </message>
    <message>
      <source>Store</source>
      <translation>Opslag</translation>
    </message>
    <message>
      <source>drawn polygon</source>
      <translation>getekende veelhoek</translation>
    </message>
    <message>
      <source>Area</source>
      <translation>Gebied</translation>
    </message>
    <message>
      <source>Urgency</source>
      <translation>Urgentie</translation>
    </message>
    <message>
      <source>Operator</source>
      <translation>Behandelaar</translation>
    </message>
    <message>
      <source>Reason</source>
      <translation>Reden</translation>
    </message>
    <message>
      <source>Recipient list</source>
      <translation>Ontvangerslijst</translation>
    </message>
    <message>
      <source>Export</source>
      <translation>Exporteren</translation>
    </message>
    <message>
      <source>Channel / network</source>
      <translation>Kanaal / netwerk</translation>
    </message>
    <message>
      <source>Recipients</source>
      <translation>Ontvangers</translation>
    </message>
    <message>
      <source>Choose the store that holds the members.</source>
      <translation>Kies de opslag met de leden.</translation>
    </message>
    <message>
      <source>Alert {id}: {n} recipients exported.</source>
      <translation>Alert {id}: {n} ontvangers geëxporteerd.</translation>
    </message>
    <message>
      <source>circle of {r:,.0f} m</source>
      <translation>cirkel van {r:,.0f} m</translation>
    </message>
    <message>
      <source>{n} recipients</source>
      <translation>{n} ontvangers</translation>
    </message>
    <message>
      <source>channel: {c}</source>
      <translation>kanaal: {c}</translation>
    </message>
    <message>
      <source>network: {n}</source>
      <translation>netwerk: {n}</translation>
    </message>
    <message>
      <source>excluded: {r}</source>
      <translation>uitgesloten: {r}</translation>
    </message>
    <message>
      <source>operator</source>
      <translation>behandelaar</translation>
    </message>
    <message>
      <source>reason</source>
      <translation>reden</translation>
    </message>
    <message>
      <source>recipient list</source>
      <translation>ontvangerslijst</translation>
    </message>
    <message>
      <source>store</source>
      <translation>opslag</translation>
    </message>
    <message>
      <source>Fill in: {fields}.</source>
      <translation>Vul in: {fields}.</translation>
    </message>
    <message>
      <source>Cannot count the recipients: {error}</source>
      <translation>De ontvangers kunnen niet geteld worden: {error}</translation>
    </message>
    <message>
      <source>The alert was not exported: {error}</source>
      <translation>Het alert is niet geëxporteerd: {error}</translation>
    </message>
    <message>
      <source>alert not exported: {error}</source>
      <translation>alert niet geëxporteerd: {error}</translation>
    </message>
    <message>
      <source>Assign points to networks</source>
      <translation>Punten aan netwerken toewijzen</translation>
    </message>
    <message>
      <source>Adds network_id, network_name (the most specific network covering each point: the smallest when networks overlap) and network_ids (all covering networks) to every point. A point on a boundary belongs to the network.</source>
      <translation>Voegt aan elk punt network_id en network_name toe (het meest specifieke netwerk dat het punt bevat: het kleinste als netwerken overlappen) en network_ids (alle netwerken die het bevatten). Een punt op een grens hoort bij het netwerk.</translation>
    </message>
    <message>
      <source>Points</source>
      <translation>Punten</translation>
    </message>
    <message>
      <source>Incidents or addresses (points, any CRS): every feature is kept with all its fields.</source>
      <translation>Incidenten of adressen (punten, elk CRS): elk object blijft behouden met al zijn velden.</translation>
    </message>
    <message>
      <source>Use only the networks valid on this date (needs valid_from/valid_to, as in a store).</source>
      <translation>Alleen de netwerken die op deze datum geldig waren (vereist valid_from/valid_to, zoals in een opslag).</translation>
    </message>
    <message>
      <source>The points with network_id, network_name and network_ids.</source>
      <translation>De punten met network_id, network_name en network_ids.</translation>
    </message>
    <message>
      <source>Networks valid on (YYYY-MM-DD)</source>
      <translation>Netwerken geldig op (JJJJ-MM-DD)</translation>
    </message>
    <message>
      <source>Assigned points</source>
      <translation>Toegewezen punten</translation>
    </message>
    <message>
      <source>Networks</source>
      <translation>Netwerken</translation>
    </message>
    <message>
      <source>Analysis</source>
      <translation>Analyse</translation>
    </message>
    <message>
      <source>Alerts</source>
      <translation>Alerts</translation>
    </message>
    <message>
      <source>Maps</source>
      <translation>Kaarten</translation>
    </message>
    <message>
      <source>Column with the network id. Default: network_id, or found automatically (bin_code, code, id, ...).</source>
      <translation>Kolom met de netwerk-id. Standaard: network_id, of automatisch gevonden (bin_code, code, id, ...).</translation>
    </message>
    <message>
      <source>Network id field</source>
      <translation>Veld met netwerk-id</translation>
    </message>
    <message>
      <source>the networks layer</source>
      <translation>de netwerkenlaag</translation>
    </message>
    <message>
      <source>Cancelled.</source>
      <translation>Geannuleerd.</translation>
    </message>
    <message>
      <source>Count incidents per network</source>
      <translation>Incidenten per netwerk tellen</translation>
    </message>
    <message>
      <source>Incidents</source>
      <translation>Incidenten</translation>
    </message>
    <message>
      <source>Incident points (any CRS).</source>
      <translation>Incidentpunten (elk CRS).</translation>
    </message>
    <message>
      <source>Count per month, quarter or year (needs a date field).</source>
      <translation>Tellen per maand, kwartaal of jaar (vereist een datumveld).</translation>
    </message>
    <message>
      <source>Date of the incident (default: the first date/time field).</source>
      <translation>Datum van het incident (standaard: het eerste datum/tijd-veld).</translation>
    </message>
    <message>
      <source>Incident type (burglary, theft from vehicle...), to count per type.</source>
      <translation>Soort incident (woninginbraak, diefstal uit auto...), om per soort te tellen.</translation>
    </message>
    <message>
      <source>Addresses</source>
      <translation>Adressen</translation>
    </message>
    <message>
      <source>Address points: adds addresses, households and the rate per 1,000 addresses.</source>
      <translation>Adrespunten: voegt adressen, huishoudens en het aantal per 1.000 adressen toe.</translation>
    </message>
    <message>
      <source>A table: network_id, network_name, kind, [period], [type], incidents, [addresses, households, rate_per_1000_addresses].</source>
      <translation>Een tabel: network_id, network_name, kind, [period], [type], incidents, [addresses, households, rate_per_1000_addresses].</translation>
    </message>
    <message>
      <source>Count per period</source>
      <translation>Tellen per periode</translation>
    </message>
    <message>
      <source>Date field</source>
      <translation>Datumveld</translation>
    </message>
    <message>
      <source>Type field</source>
      <translation>Veld met soort</translation>
    </message>
    <message>
      <source>Incident counts</source>
      <translation>Aantallen incidenten</translation>
    </message>
    <message>
      <source>(no period)</source>
      <translation>(geen periode)</translation>
    </message>
    <message>
      <source>month</source>
      <translation>maand</translation>
    </message>
    <message>
      <source>quarter</source>
      <translation>kwartaal</translation>
    </message>
    <message>
      <source>year</source>
      <translation>jaar</translation>
    </message>
    <message>
      <source>Coverage of addresses</source>
      <translation>Dekking van adressen</translation>
    </message>
    <message>
      <source>How many addresses and households each network reaches, which addresses two networks share, and (with a grouping) the covered share per municipality or police zone.</source>
      <translation>Hoeveel adressen en huishoudens elk netwerk bereikt, welke adressen twee netwerken delen en (met een groepering) het gedekte aandeel per gemeente of politiezone.</translation>
    </message>
    <message>
      <source>Address points (any CRS); a households field (huishoudens, households) is used when present.</source>
      <translation>Adrespunten (elk CRS); een veld met huishoudens (huishoudens, households) wordt gebruikt als het er is.</translation>
    </message>
    <message>
      <source>Covered share per area: an address field, or 'municipality' / 'police_zone'.</source>
      <translation>Gedekt aandeel per gebied: een adresveld, of 'municipality' / 'police_zone'.</translation>
    </message>
    <message>
      <source>Households per address (default: huishoudens/households; else 1).</source>
      <translation>Huishoudens per adres (standaard: huishoudens/households; anders 1).</translation>
    </message>
    <message>
      <source>Per network: addresses, households, exclusive_addresses, shared_addresses.</source>
      <translation>Per netwerk: addresses, households, exclusive_addresses, shared_addresses.</translation>
    </message>
    <message>
      <source>Per pair of networks sharing addresses: shared_addresses, shared_households.</source>
      <translation>Per paar netwerken met gedeelde adressen: shared_addresses, shared_households.</translation>
    </message>
    <message>
      <source>Per area (with Group by): addresses, covered_addresses, covered_share, households...</source>
      <translation>Per gebied (met Groeperen op): addresses, covered_addresses, covered_share, households...</translation>
    </message>
    <message>
      <source>Group by</source>
      <translation>Groeperen op</translation>
    </message>
    <message>
      <source>Households field</source>
      <translation>Veld met huishoudens</translation>
    </message>
    <message>
      <source>Coverage per network</source>
      <translation>Dekking per netwerk</translation>
    </message>
    <message>
      <source>Shared addresses</source>
      <translation>Gedeelde adressen</translation>
    </message>
    <message>
      <source>Coverage per area</source>
      <translation>Dekking per gebied</translation>
    </message>
    <message>
      <source>Covered share of addresses</source>
      <translation>Gedekt aandeel van de adressen</translation>
    </message>
    <message>
      <source>Kernel density (heat map)</source>
      <translation>Kerndichtheid (heatmap)</translation>
    </message>
    <message>
      <source>Kernel density of points on the same grid and with the same values as QGIS's Heatmap (Kernel Density Estimation), computed much faster; optionally density bands as polygons.</source>
      <translation>Kerndichtheid van punten op hetzelfde raster en met dezelfde waarden als de Heatmap (Kernel Density Estimation) van QGIS, veel sneller berekend; eventueel dichtheidsklassen als polygonen.</translation>
    </message>
    <message>
      <source>Points in a projected CRS in metres (reproject them first otherwise).</source>
      <translation>Punten in een geprojecteerd CRS in meters (herprojecteer ze anders eerst).</translation>
    </message>
    <message>
      <source>Kernel radius (bandwidth) in metres.</source>
      <translation>Straal van de kern (bandbreedte) in meters.</translation>
    </message>
    <message>
      <source>Pixel size in metres (at most twice the radius).</source>
      <translation>Pixelgrootte in meters (hoogstens tweemaal de straal).</translation>
    </message>
    <message>
      <source>Kernel shape, as in QGIS's heat map.</source>
      <translation>Vorm van de kern, zoals in de heatmap van QGIS.</translation>
    </message>
    <message>
      <source>Raw kernel values (1 at a point with weight 1) or scaled by QGIS's normalising constant.</source>
      <translation>Ruwe kernwaarden (1 op een punt met gewicht 1) of geschaald met de normalisatieconstante van QGIS.</translation>
    </message>
    <message>
      <source>Kernel value at the radius, triangular kernel only.</source>
      <translation>Kernwaarde op de straal, alleen voor de driehoekige kern.</translation>
    </message>
    <message>
      <source>Numeric field weighting each point.</source>
      <translation>Numeriek veld met het gewicht van elk punt.</translation>
    </message>
    <message>
      <source>The density raster (GeoTIFF); cells no kernel reaches are nodata.</source>
      <translation>Het dichtheidsraster (GeoTIFF); cellen die geen kern bereikt zijn nodata.</translation>
    </message>
    <message>
      <source>Five density bands (equal intervals) as polygons.</source>
      <translation>Vijf dichtheidsklassen (gelijke intervallen) als polygonen.</translation>
    </message>
    <message>
      <source>Radius</source>
      <translation>Straal</translation>
    </message>
    <message>
      <source>Pixel size</source>
      <translation>Pixelgrootte</translation>
    </message>
    <message>
      <source>Kernel shape</source>
      <translation>Vorm van de kern</translation>
    </message>
    <message>
      <source>Output value scaling</source>
      <translation>Schaling van de uitvoerwaarden</translation>
    </message>
    <message>
      <source>Decay ratio (triangular kernel)</source>
      <translation>Vervalverhouding (driehoekige kern)</translation>
    </message>
    <message>
      <source>Weight field</source>
      <translation>Gewichtsveld</translation>
    </message>
    <message>
      <source>Density</source>
      <translation>Dichtheid</translation>
    </message>
    <message>
      <source>Density bands</source>
      <translation>Dichtheidsklassen</translation>
    </message>
    <message>
      <source>raw</source>
      <translation>ruw</translation>
    </message>
    <message>
      <source>scaled</source>
      <translation>geschaald</translation>
    </message>
    <message>
      <source>Hot spots (Gi*) and their coverage</source>
      <translation>Hotspots (Gi*) en hun dekking</translation>
    </message>
    <message>
      <source>Counts incidents on a square grid, computes Getis-Ord Gi* per cell with a Benjamini-Hochberg false discovery rate, joins hot cells into hot spots and ranks them: hot spots that no network covers first.</source>
      <translation>Telt incidenten op een vierkant raster, berekent Getis-Ord Gi* per cel met een Benjamini-Hochberg false discovery rate, voegt hete cellen samen tot hotspots en rangschikt ze: hotspots die door geen netwerk gedekt worden eerst.</translation>
    </message>
    <message>
      <source>Incident points; analysed in the networks' CRS when networks are given, else in their own (which must be projected, in metres).</source>
      <translation>Incidentpunten; geanalyseerd in het CRS van de netwerken als die gegeven zijn, anders in hun eigen CRS (dat geprojecteerd moet zijn, in meters).</translation>
    </message>
    <message>
      <source>Address points: adds the number of addresses per hot spot.</source>
      <translation>Adrespunten: voegt het aantal adressen per hotspot toe.</translation>
    </message>
    <message>
      <source>Study area</source>
      <translation>Studiegebied</translation>
    </message>
    <message>
      <source>Polygons of the area analysed (cells whose centre lies in it). Default: the incidents' extent.</source>
      <translation>Polygonen van het onderzochte gebied (cellen waarvan het middelpunt erin ligt). Standaard: de omvang van de incidenten.</translation>
    </message>
    <message>
      <source>Side of a grid cell in CRS units (metres). 0: chosen from the data (the rule is reported).</source>
      <translation>Zijde van een rastercel in CRS-eenheden (meters). 0: gekozen uit de gegevens (de regel wordt gemeld).</translation>
    </message>
    <message>
      <source>Gi* neighbourhood: the cell and N rings of cells around it (1 = 3 x 3).</source>
      <translation>Gi*-buurt: de cel en N ringen van cellen eromheen (1 = 3 x 3).</translation>
    </message>
    <message>
      <source>Gi* neighbourhood as a distance band in metres instead of rings (0: use rings).</source>
      <translation>Gi*-buurt als afstandsband in meters in plaats van ringen (0: ringen gebruiken).</translation>
    </message>
    <message>
      <source>Significance level (false discovery rate with FDR), default 0.05.</source>
      <translation>Significantieniveau (false discovery rate met FDR), standaard 0,05.</translation>
    </message>
    <message>
      <source>Correct the p-values over all cells for multiple testing (recommended).</source>
      <translation>De p-waarden over alle cellen corrigeren voor meervoudig toetsen (aanbevolen).</translation>
    </message>
    <message>
      <source>A hot spot is uncovered when less than this share of its incidents lies in a network.</source>
      <translation>Een hotspot is ongedekt als minder dan dit aandeel van zijn incidenten in een netwerk ligt.</translation>
    </message>
    <message>
      <source>Incident type field, to keep only some types.</source>
      <translation>Veld met de soort incident, om alleen sommige soorten te houden.</translation>
    </message>
    <message>
      <source>Incident types to keep (exact text), e.g. woninginbraak.</source>
      <translation>Te houden soorten incidenten (exacte tekst), bijv. woninginbraak.</translation>
    </message>
    <message>
      <source>Keep incidents from this date (included).</source>
      <translation>Incidenten vanaf deze datum houden (inclusief).</translation>
    </message>
    <message>
      <source>Keep incidents up to this day (included).</source>
      <translation>Incidenten tot en met deze dag houden (inclusief).</translation>
    </message>
    <message>
      <source>One square per cell: row, col, count, gi_z, gi_p, hot, cold.</source>
      <translation>Eén vierkant per cel: row, col, count, gi_z, gi_p, hot, cold.</translation>
    </message>
    <message>
      <source>Hot spots ranked (uncovered first): incidents, area_m2, max_z, covered_share, network_ids.</source>
      <translation>Hotspots gerangschikt (ongedekt eerst): incidents, area_m2, max_z, covered_share, network_ids.</translation>
    </message>
    <message>
      <source>Cell size</source>
      <translation>Celgrootte</translation>
    </message>
    <message>
      <source>Neighbourhood rings</source>
      <translation>Buurtringen</translation>
    </message>
    <message>
      <source>Neighbourhood distance</source>
      <translation>Buurtafstand</translation>
    </message>
    <message>
      <source>Significance level</source>
      <translation>Significantieniveau</translation>
    </message>
    <message>
      <source>Benjamini-Hochberg correction</source>
      <translation>Benjamini-Hochberg-correctie</translation>
    </message>
    <message>
      <source>Minimum covered share</source>
      <translation>Minimaal gedekt aandeel</translation>
    </message>
    <message>
      <source>Types to keep (comma separated)</source>
      <translation>Te houden soorten (gescheiden door komma’s)</translation>
    </message>
    <message>
      <source>From (YYYY-MM-DD, included)</source>
      <translation>Vanaf (JJJJ-MM-DD, inclusief)</translation>
    </message>
    <message>
      <source>To (YYYY-MM-DD, included)</source>
      <translation>Tot en met (JJJJ-MM-DD, inclusief)</translation>
    </message>
    <message>
      <source>Gi* cells</source>
      <translation>Gi*-cellen</translation>
    </message>
    <message>
      <source>Hot spots</source>
      <translation>Hotspots</translation>
    </message>
    <message>
      <source>Hot spots found</source>
      <translation>Gevonden hotspots</translation>
    </message>
    <message>
      <source>Import networks into a store</source>
      <translation>Netwerken in een opslag importeren</translation>
    </message>
    <message>
      <source>Adds the polygons of a layer to a bingeo store (a GeoPackage, created when it does not exist) as networks. Re-importing the same ids updates them; earlier versions are kept as history.</source>
      <translation>Voegt de polygonen van een laag als netwerken toe aan een bingeo-opslag (een GeoPackage, aangemaakt als die nog niet bestaat). Opnieuw importeren van dezelfde id’s werkt ze bij; eerdere versies blijven bewaard als geschiedenis.</translation>
    </message>
    <message>
      <source>Network boundaries</source>
      <translation>Netwerkgrenzen</translation>
    </message>
    <message>
      <source>Polygons of the networks (any CRS); several features with one id become one network.</source>
      <translation>Polygonen van de netwerken (elk CRS); meerdere objecten met één id worden één netwerk.</translation>
    </message>
    <message>
      <source>The store: a GeoPackage file. An existing store is updated, never overwritten.</source>
      <translation>De opslag: een GeoPackage-bestand. Een bestaande opslag wordt bijgewerkt, nooit overschreven.</translation>
    </message>
    <message>
      <source>Column with the stable network id (default: found automatically).</source>
      <translation>Kolom met de vaste netwerk-id (standaard: automatisch gevonden).</translation>
    </message>
    <message>
      <source>Column with the network name (default: found automatically).</source>
      <translation>Kolom met de netwerknaam (standaard: automatisch gevonden).</translation>
    </message>
    <message>
      <source>One kind for every network: BIN, Z-BIN (shops) or WhatsApp group.</source>
      <translation>Eén soort voor alle netwerken: BIN, Z-BIN (winkels) of WhatsApp-groep.</translation>
    </message>
    <message>
      <source>Column with the kind (bin, zbin, whatsapp; Dutch names understood).</source>
      <translation>Kolom met de soort (bin, zbin, whatsapp; Nederlandse namen worden herkend).</translation>
    </message>
    <message>
      <source>Date from which changed boundaries apply (default today).</source>
      <translation>Datum vanaf wanneer gewijzigde grenzen gelden (standaard vandaag).</translation>
    </message>
    <message>
      <source>CRS of a NEW store (default: the layer's). An existing store keeps its CRS.</source>
      <translation>CRS van een NIEUWE opslag (standaard: dat van de laag). Een bestaande opslag houdt haar CRS.</translation>
    </message>
    <message>
      <source>GeoPackage (*.gpkg)</source>
      <translation>GeoPackage (*.gpkg)</translation>
    </message>
    <message>
      <source>Id field</source>
      <translation>Id-veld</translation>
    </message>
    <message>
      <source>Name field</source>
      <translation>Naamveld</translation>
    </message>
    <message>
      <source>Kind for all networks</source>
      <translation>Soort voor alle netwerken</translation>
    </message>
    <message>
      <source>Kind field</source>
      <translation>Veld met soort</translation>
    </message>
    <message>
      <source>Effective date (YYYY-MM-DD)</source>
      <translation>Ingangsdatum (JJJJ-MM-DD)</translation>
    </message>
    <message>
      <source>CRS of a new store</source>
      <translation>CRS van een nieuwe opslag</translation>
    </message>
    <message>
      <source>Networks in the store</source>
      <translation>Netwerken in de opslag</translation>
    </message>
    <message>
      <source>Networks added</source>
      <translation>Toegevoegde netwerken</translation>
    </message>
    <message>
      <source>Networks updated</source>
      <translation>Bijgewerkte netwerken</translation>
    </message>
    <message>
      <source>Networks unchanged</source>
      <translation>Ongewijzigde netwerken</translation>
    </message>
    <message>
      <source>(from the kind field)</source>
      <translation>(uit het veld met soort)</translation>
    </message>
    <message>
      <source>Propose new network areas</source>
      <translation>Nieuwe netwerkgebieden voorstellen</translation>
    </message>
    <message>
      <source>Around each hot spot that no network covers, adds whole stretches of street nearest first until the households reach the minimum without passing the maximum, and draws a compact boundary that never overlaps an existing network or another proposal.</source>
      <translation>Voegt rond elke hotspot die door geen netwerk gedekt wordt hele straatdelen toe, dichtstbijzijnde eerst, tot de huishoudens het minimum bereiken zonder het maximum te overschrijden, en tekent een compacte grens die nooit een bestaand netwerk of een ander voorstel overlapt.</translation>
    </message>
    <message>
      <source>Hot-spot polygons, e.g. the Hot spots output of bingeo's hot spot algorithm.</source>
      <translation>Hotspotpolygonen, bijv. de uitvoer Hotspots van het hotspotalgoritme van bingeo.</translation>
    </message>
    <message>
      <source>Address points with a street name field and optionally households.</source>
      <translation>Adrespunten met een veld met de straatnaam en eventueel huishoudens.</translation>
    </message>
    <message>
      <source>Existing networks: every polygon given is kept out of every proposal.</source>
      <translation>Bestaande netwerken: elk gegeven polygoon blijft buiten elk voorstel.</translation>
    </message>
    <message>
      <source>Incident points: adds the number of incidents inside each proposal.</source>
      <translation>Incidentpunten: voegt het aantal incidenten binnen elk voorstel toe.</translation>
    </message>
    <message>
      <source>Households a proposal should reach.</source>
      <translation>Huishoudens die een voorstel moet bereiken.</translation>
    </message>
    <message>
      <source>Households a proposal may not pass (a WhatsApp group holds at most 256 members).</source>
      <translation>Huishoudens die een voorstel niet mag overschrijden (een WhatsApp-groep heeft hoogstens 256 leden).</translation>
    </message>
    <message>
      <source>What the proposal is for.</source>
      <translation>Waarvoor het voorstel is.</translation>
    </message>
    <message>
      <source>Addresses farther than this (metres) from the hot spot are never added.</source>
      <translation>Adressen verder dan dit (meters) van de hotspot worden nooit toegevoegd.</translation>
    </message>
    <message>
      <source>Street name (default: straat, street, openbare_ruimte... when present).</source>
      <translation>Straatnaam (standaard: straat, street, openbare_ruimte... als die er is).</translation>
    </message>
    <message>
      <source>Households per address (default: households, huishoudens... else 1).</source>
      <translation>Huishoudens per adres (standaard: households, huishoudens... anders 1).</translation>
    </message>
    <message>
      <source>Only hot spots marked uncovered; unticked, every hot spot gets a proposal.</source>
      <translation>Alleen hotspots die als ongedekt gemarkeerd zijn; uitgevinkt krijgt elke hotspot een voorstel.</translation>
    </message>
    <message>
      <source>One polygon per proposal: households, addresses, streets, area_m2 [, incidents].</source>
      <translation>Eén polygoon per voorstel: households, addresses, streets, area_m2 [, incidents].</translation>
    </message>
    <message>
      <source>Minimum households</source>
      <translation>Minimum aantal huishoudens</translation>
    </message>
    <message>
      <source>Maximum households</source>
      <translation>Maximum aantal huishoudens</translation>
    </message>
    <message>
      <source>Kind</source>
      <translation>Soort</translation>
    </message>
    <message>
      <source>Maximum distance</source>
      <translation>Maximale afstand</translation>
    </message>
    <message>
      <source>Street field</source>
      <translation>Straatveld</translation>
    </message>
    <message>
      <source>Only uncovered hot spots</source>
      <translation>Alleen ongedekte hotspots</translation>
    </message>
    <message>
      <source>Proposed areas</source>
      <translation>Voorgestelde gebieden</translation>
    </message>
    <message>
      <source>{n} proposed areas</source>
      <translation>{n} voorgestelde gebieden</translation>
    </message>
    <message>
      <source>Select alert recipients</source>
      <translation>Ontvangers van een alert selecteren</translation>
    </message>
    <message>
      <source>Selects the members of a store who live in an area (polygons of a layer, or a centre and radius) and/or belong to networks, one row per person on one channel (urgent: SMS, else voice, else e-mail; normal: e-mail, else SMS), exports the list as CSV (plus one list per channel) and appends the selection to the store's audit log. Only counts are shown here: member data is only in the exported files.</source>
      <translation>Selecteert de leden van een opslag die in een gebied wonen (polygonen van een laag, of een middelpunt en straal) en/of bij netwerken horen, één rij per persoon op één kanaal (urgent: sms, anders spraakbericht, anders e-mail; normaal: e-mail, anders sms), exporteert de lijst als CSV (plus één lijst per kanaal) en voegt de selectie toe aan het auditlog van de opslag. Hier worden alleen aantallen getoond: ledengegevens staan alleen in de geëxporteerde bestanden.</translation>
    </message>
    <message>
      <source>The bingeo store (GeoPackage) holding the members.</source>
      <translation>De bingeo-opslag (GeoPackage) met de leden.</translation>
    </message>
    <message>
      <source>Alert area</source>
      <translation>Alertgebied</translation>
    </message>
    <message>
      <source>Polygons of the alert area (any CRS; several are united). Tick 'Selected features only' to use the selected polygons.</source>
      <translation>Polygonen van het alertgebied (elk CRS; meerdere worden samengevoegd). Vink 'Alleen geselecteerde objecten' aan om de geselecteerde polygonen te gebruiken.</translation>
    </message>
    <message>
      <source>Centre of a circular alert area (with Radius), in any CRS.</source>
      <translation>Middelpunt van een cirkelvormig alertgebied (met Straal), in elk CRS.</translation>
    </message>
    <message>
      <source>Radius of the circular alert area in metres of the store's CRS.</source>
      <translation>Straal van het cirkelvormige alertgebied in meters van het CRS van de opslag.</translation>
    </message>
    <message>
      <source>Alert these networks (with an area too, a member must satisfy both).</source>
      <translation>Deze netwerken alarmeren (met ook een gebied moet een lid aan beide voldoen).</translation>
    </message>
    <message>
      <source>Who belongs to a network: members who joined it, who live in it, or either.</source>
      <translation>Wie bij een netwerk hoort: leden die zich aanmeldden, die erin wonen, of beide.</translation>
    </message>
    <message>
      <source>Urgent: SMS, else voice call, else e-mail. Normal: e-mail, else SMS.</source>
      <translation>Urgent: sms, anders spraakbericht, anders e-mail. Normaal: e-mail, anders sms.</translation>
    </message>
    <message>
      <source>Who sends the alert (kept in the audit log).</source>
      <translation>Wie het alert verstuurt (bewaard in het auditlog).</translation>
    </message>
    <message>
      <source>Why, e.g. a case number (kept in the audit log).</source>
      <translation>Waarom, bijv. een zaaknummer (bewaard in het auditlog).</translation>
    </message>
    <message>
      <source>Also export the coordinators of the networks touched (BIN relay practice).</source>
      <translation>Ook de coördinatoren van de betrokken netwerken exporteren (doorgeefpraktijk van BIN).</translation>
    </message>
    <message>
      <source>The recipient list (CSV with ';', UTF-8 with BOM, for Excel); .sms/.voice/.email lists beside it.</source>
      <translation>De ontvangerslijst (CSV met ';', UTF-8 met BOM, voor Excel); lijsten .sms/.voice/.email ernaast.</translation>
    </message>
    <message>
      <source>Centre</source>
      <translation>Middelpunt</translation>
    </message>
    <message>
      <source>Radius (m)</source>
      <translation>Straal (m)</translation>
    </message>
    <message>
      <source>Network ids (comma separated)</source>
      <translation>Netwerk-id’s (gescheiden door komma’s)</translation>
    </message>
    <message>
      <source>Network rule</source>
      <translation>Netwerkregel</translation>
    </message>
    <message>
      <source>Also list coordinators</source>
      <translation>Ook coördinatoren opnemen</translation>
    </message>
    <message>
      <source>Alert id</source>
      <translation>Alert-id</translation>
    </message>
    <message>
      <source>membership or location</source>
      <translation>lidmaatschap of woonplaats</translation>
    </message>
    <message>
      <source>membership</source>
      <translation>lidmaatschap</translation>
    </message>
    <message>
      <source>location</source>
      <translation>woonplaats</translation>
    </message>
    <message>
      <source>urgent</source>
      <translation>urgent</translation>
    </message>
    <message>
      <source>normal</source>
      <translation>normaal</translation>
    </message>
    <message>
      <source>The alert area layer holds no polygon (check the selection).</source>
      <translation>De laag met het alertgebied bevat geen polygoon (controleer de selectie).</translation>
    </message>
    <message>
      <source>Give either an alert area layer or a centre and radius.</source>
      <translation>Geef een laag met het alertgebied óf een middelpunt en straal.</translation>
    </message>
    <message>
      <source>Web map (HTML)</source>
      <translation>Webkaart (HTML)</translation>
    </message>
    <message>
      <source>Writes one HTML page (Leaflet) with the networks, the incidents (density, and points when zoomed in), hot spots and proposed areas, and a tool to draw an alert area. Member data never reaches the map: a store only adds the number of members per network.</source>
      <translation>Schrijft één HTML-pagina (Leaflet) met de netwerken, de incidenten (dichtheid, en punten bij inzoomen), hotspots en voorgestelde gebieden, en een hulpmiddel om een alertgebied te tekenen. Ledengegevens komen nooit op de kaart: een opslag voegt alleen het aantal leden per netwerk toe.</translation>
    </message>
    <message>
      <source>A bingeo store: its networks and the number of members per network. Or give a networks layer.</source>
      <translation>Een bingeo-opslag: haar netwerken en het aantal leden per netwerk. Of geef een netwerkenlaag.</translation>
    </message>
    <message>
      <source>Incident points: a density layer and clustered points.</source>
      <translation>Incidentpunten: een dichtheidslaag en geclusterde punten.</translation>
    </message>
    <message>
      <source>Incident fields shown in the popups; no other incident field reaches the map.</source>
      <translation>Velden van incidenten in de pop-ups; geen ander veld komt op de kaart.</translation>
    </message>
    <message>
      <source>Hot-spot polygons (the Hot spots output of the hot spot algorithm).</source>
      <translation>Hotspotpolygonen (de uitvoer Hotspots van het hotspotalgoritme).</translation>
    </message>
    <message>
      <source>Proposed new network areas.</source>
      <translation>Voorgestelde nieuwe netwerkgebieden.</translation>
    </message>
    <message>
      <source>Title of the page and map.</source>
      <translation>Titel van de pagina en de kaart.</translation>
    </message>
    <message>
      <source>Kernel radius of the density layer, in metres.</source>
      <translation>Straal van de kern van de dichtheidslaag, in meters.</translation>
    </message>
    <message>
      <source>Put every script in the page so that it works without a network (needs `bingeo assets fetch`).</source>
      <translation>Alle scripts in de pagina opnemen zodat ze zonder netwerk werkt (vereist `bingeo assets fetch`).</translation>
    </message>
    <message>
      <source>The HTML file.</source>
      <translation>Het HTML-bestand.</translation>
    </message>
    <message>
      <source>Incident fields in popups (comma separated)</source>
      <translation>Velden van incidenten in pop-ups (gescheiden door komma’s)</translation>
    </message>
    <message>
      <source>Title</source>
      <translation>Titel</translation>
    </message>
    <message>
      <source>Density radius (m)</source>
      <translation>Straal van de dichtheid (m)</translation>
    </message>
    <message>
      <source>Offline (inline JavaScript, no base map)</source>
      <translation>Offline (JavaScript in de pagina, geen achtergrondkaart)</translation>
    </message>
    <message>
      <source>Web map</source>
      <translation>Webkaart</translation>
    </message>
    <message>
      <source>HTML (*.html)</source>
      <translation>HTML (*.html)</translation>
    </message>
    <message>
      <source>bingeo needs {missing} in QGIS's Python ({python}). Install with: {command} and restart QGIS.</source>
      <translation>bingeo heeft {missing} nodig in de Python van QGIS ({python}). Installeer met: {command} en start QGIS opnieuw.</translation>
    </message>
    <message>
      <source>Draw an alert area</source>
      <translation>Een alertgebied tekenen</translation>
    </message>
    <message>
      <source>Draw an alert circle (centre and radius)</source>
      <translation>Een alertcirkel tekenen (middelpunt en straal)</translation>
    </message>
    <message>
      <source>Alert the selected polygons</source>
      <translation>De geselecteerde polygonen alarmeren</translation>
    </message>
    <message>
      <source>A bingeo Processing provider is already registered.</source>
      <translation>Er is al een bingeo-Processing-provider geregistreerd.</translation>
    </message>
    <message>
      <source>&amp;bingeo</source>
      <translation>&amp;bingeo</translation>
    </message>
    <message>
      <source>Select one or more polygons of a layer first.</source>
      <translation>Selecteer eerst een of meer polygonen van een laag.</translation>
    </message>
    <message>
      <source>bingeo: neighbourhood alert networks (BIN)</source>
      <translation>bingeo: buurtinformatienetwerken (BIN)</translation>
    </message>
    <message>
      <source>{n} features of '{layer}' have no geometry: they are kept, but match nothing.</source>
      <translation>{n} objecten van '{layer}' hebben geen geometrie: ze blijven behouden, maar vallen nergens in.</translation>
    </message>
    <message>
      <source>Evaluate networks before/after (WDQ)</source>
      <translation>Netwerken evalueren voor/na (WDQ)</translation>
    </message>
    <message>
      <source>Does a network help? Counts incidents before and after in the network (R), a buffer ring around it (B, without other networks) and a control area (C), and computes the success measure, the buffer displacement measure, the weighted displacement quotient (WDQ, Bowers &amp; Johnson 2003) and the total net effect, with a sentence that interprets them. Evaluate one network over given periods or around its founding date, or every network around its own founding date. Figures that a zero count makes undefined are left empty (NULL), with the reason in the 'undefined' column.</source>
      <translation>Helpt een netwerk? Telt de incidenten voor en na in het netwerk (R), een bufferring eromheen (B, zonder andere netwerken) en een controlegebied (C), en berekent de succesmaat, de maat voor verplaatsing naar de buffer, het gewogen verplaatsingsquotiënt (WDQ, Bowers &amp; Johnson 2003) en het totale netto-effect, met een zin die ze uitlegt. Evalueer één netwerk over opgegeven periodes of rond zijn oprichtingsdatum, of elk netwerk rond zijn eigen oprichtingsdatum. Cijfers die door een telling van nul onbepaald zijn, blijven leeg (NULL), met de reden in de kolom 'undefined'.</translation>
    </message>
    <message>
      <source>Incident points with a date (any CRS; reprojected to the networks' CRS).</source>
      <translation>Incidentpunten met een datum (elk CRS; geherprojecteerd naar het CRS van de netwerken).</translation>
    </message>
    <message>
      <source>Incident type field, to evaluate only some types (default: found from the types given).</source>
      <translation>Veld met de soort incident, om alleen sommige soorten te evalueren (standaard: gevonden uit de opgegeven soorten).</translation>
    </message>
    <message>
      <source>Incident types to keep (exact text), e.g. woninginbraak. Empty: every incident.</source>
      <translation>Te houden soorten incidenten (exacte tekst), bijv. woninginbraak. Leeg: alle incidenten.</translation>
    </message>
    <message>
      <source>Network boundaries (polygons, in a projected CRS in metres): the store's networks layer, or any polygon layer with an id column. The founding date comes from valid_from or founded (or opgericht, oprichtingsdatum... in a layer without a network_id column). Networks whose lifetime does not overlap the periods are ignored.</source>
      <translation>Netwerkgrenzen (polygonen, in een geprojecteerd CRS in meters): de netwerkenlaag van de opslag, of elke polygoonlaag met een id-kolom. De oprichtingsdatum komt uit valid_from of founded (of opgericht, oprichtingsdatum... in een laag zonder kolom network_id). Netwerken waarvan de looptijd de periodes niet overlapt, worden genegeerd.</translation>
    </message>
    <message>
      <source>One network over the before and after periods given, one network N months either side of its founding date, or every network with enough data N months either side of its own founding date.</source>
      <translation>Eén netwerk over de opgegeven voor- en naperiode, één netwerk N maanden voor en na zijn oprichtingsdatum, of elk netwerk met genoeg gegevens N maanden voor en na zijn eigen oprichtingsdatum.</translation>
    </message>
    <message>
      <source>The network evaluated (response area R); not used for all networks.</source>
      <translation>Het geëvalueerde netwerk (responsgebied R); niet gebruikt bij alle netwerken.</translation>
    </message>
    <message>
      <source>Before period as FROM/TO dates, e.g. 2023-01-01/2023-12-31 (FROM and TO both included).</source>
      <translation>Voorperiode als VAN/TOT-datums, bijv. 2023-01-01/2023-12-31 (VAN en TOT allebei inbegrepen).</translation>
    </message>
    <message>
      <source>After period as FROM/TO dates, e.g. 2024-01-01/2024-12-31; it may differ in length from the before period (the figures compare areas within a period).</source>
      <translation>Naperiode als VAN/TOT-datums, bijv. 2024-01-01/2024-12-31; ze mag anders lang zijn dan de voorperiode (de cijfers vergelijken gebieden binnen een periode).</translation>
    </message>
    <message>
      <source>Around the founding date: the before period is this many months before it, the after period this many months from it.</source>
      <translation>Rond de oprichtingsdatum: de voorperiode is dit aantal maanden ervoor, de naperiode dit aantal maanden vanaf die datum.</translation>
    </message>
    <message>
      <source>Width of the buffer ring B around the network, in metres, where crime may be displaced to or benefits may spread to.</source>
      <translation>Breedte van de bufferring B rond het netwerk, in meters, waarheen criminaliteit kan verplaatsen of gunstige effecten kunnen uitstralen.</translation>
    </message>
    <message>
      <source>Control area</source>
      <translation>Controlegebied</translation>
    </message>
    <message>
      <source>Polygons of the control area C (one network only; parts inside the network or its buffer ring are removed). Default: the study area minus the network, its ring and the other networks.</source>
      <translation>Polygonen van het controlegebied C (alleen bij één netwerk; delen binnen het netwerk of zijn bufferring worden weggelaten). Standaard: het studiegebied zonder het netwerk, zijn ring en de andere netwerken.</translation>
    </message>
    <message>
      <source>Polygons of the study area for the default control area. Default: the convex hull of the incidents.</source>
      <translation>Polygonen van het studiegebied voor het standaard-controlegebied. Standaard: het convexe omhulsel van de incidenten.</translation>
    </message>
    <message>
      <source>All networks: a network needs at least this many incidents (before and after together) to be evaluated.</source>
      <translation>Alle netwerken: een netwerk heeft minstens zoveel incidenten (voor en na samen) nodig om geëvalueerd te worden.</translation>
    </message>
    <message>
      <source>A table, one row per network: network_id, name, founded, evaluated, reason (why not), the periods, the counts R/B/C before and after, success_measure, buffer_displacement_measure, wdq, total_net_effect, relative_change, undefined (why a figure is empty) and interpretation.</source>
      <translation>Een tabel, één rij per netwerk: network_id, name, founded, evaluated, reason (waarom niet), de periodes, de aantallen R/B/C voor en na, success_measure, buffer_displacement_measure, wdq, total_net_effect, relative_change, undefined (waarom een cijfer leeg is) en interpretation.</translation>
    </message>
    <message>
      <source>Optional JSON file with every figure under stable keys (counts, success_measure, buffer_displacement_measure, wdq, total_net_effect, the areas' definitions...), as `bingeo evaluate --output` writes it.</source>
      <translation>Optioneel JSON-bestand met alle cijfers onder vaste sleutels (counts, success_measure, buffer_displacement_measure, wdq, total_net_effect, de definities van de gebieden...), zoals `bingeo evaluate --output` het schrijft.</translation>
    </message>
    <message>
      <source>Optional: the incidents that could not be used (no location or no date), with reject_reason.</source>
      <translation>Optioneel: de incidenten die niet bruikbaar waren (geen locatie of geen datum), met reject_reason.</translation>
    </message>
    <message>
      <source>{label}: give FROM/TO dates, e.g. 2023-01-01/2023-12-31 (both days included); got '{text}'.</source>
      <translation>{label}: geef VAN/TOT-datums, bijv. 2023-01-01/2023-12-31 (beide dagen inbegrepen); gekregen: '{text}'.</translation>
    </message>
    <message>
      <source>{n} incidents cannot be used (no location or no date): see the Unusable incidents output.</source>
      <translation>{n} incidenten zijn niet bruikbaar (geen locatie of geen datum): zie de uitvoer Onbruikbare incidenten.</translation>
    </message>
    <message>
      <source>Evaluate</source>
      <translation>Evalueren</translation>
    </message>
    <message>
      <source>Network id</source>
      <translation>Netwerk-id</translation>
    </message>
    <message>
      <source>Before period (FROM/TO)</source>
      <translation>Voorperiode (VAN/TOT)</translation>
    </message>
    <message>
      <source>After period (FROM/TO)</source>
      <translation>Naperiode (VAN/TOT)</translation>
    </message>
    <message>
      <source>Months around founding</source>
      <translation>Maanden rond de oprichting</translation>
    </message>
    <message>
      <source>Buffer width (m)</source>
      <translation>Bufferbreedte (m)</translation>
    </message>
    <message>
      <source>Minimum incidents in a network</source>
      <translation>Minimum aantal incidenten in een netwerk</translation>
    </message>
    <message>
      <source>Evaluation</source>
      <translation>Evaluatie</translation>
    </message>
    <message>
      <source>Figures (JSON)</source>
      <translation>Cijfers (JSON)</translation>
    </message>
    <message>
      <source>JSON (*.json)</source>
      <translation>JSON (*.json)</translation>
    </message>
    <message>
      <source>Unusable incidents</source>
      <translation>Onbruikbare incidenten</translation>
    </message>
    <message>
      <source>Networks evaluated</source>
      <translation>Geëvalueerde netwerken</translation>
    </message>
    <message>
      <source>Give the network id to evaluate, or choose all networks.</source>
      <translation>Geef de id van het te evalueren netwerk, of kies alle netwerken.</translation>
    </message>
    <message>
      <source>The networks layer is not in a projected CRS in metres: reproject it first (e.g. with 'Reproject layer'), so that the buffer width is in metres.</source>
      <translation>De netwerkenlaag staat niet in een geprojecteerd CRS in meters: herprojecteer haar eerst (bijv. met 'Laag herprojecteren'), zodat de bufferbreedte in meters is.</translation>
    </message>
    <message>
      <source>one network, periods given</source>
      <translation>één netwerk, opgegeven periodes</translation>
    </message>
    <message>
      <source>one network, around its founding date</source>
      <translation>één netwerk, rond zijn oprichtingsdatum</translation>
    </message>
    <message>
      <source>all networks, around their founding dates</source>
      <translation>alle netwerken, rond hun oprichtingsdatum</translation>
    </message>
    <message>
      <source>All networks are evaluated each around its own founding date against the default control area: leave the control area empty.</source>
      <translation>Alle netwerken worden elk rond hun eigen oprichtingsdatum geëvalueerd tegen het standaard-controlegebied: laat het controlegebied leeg.</translation>
    </message>
    <message>
      <source>The control area layer holds no polygon (check the selection).</source>
      <translation>De laag met het controlegebied bevat geen polygoon (controleer de selectie).</translation>
    </message>
    <message>
      <source>The study area layer holds no polygon (check the selection).</source>
      <translation>De laag met het studiegebied bevat geen polygoon (controleer de selectie).</translation>
    </message>
    <message>
      <source>Before period</source>
      <translation>Voorperiode</translation>
    </message>
    <message>
      <source>After period</source>
      <translation>Naperiode</translation>
    </message>
    <message>
      <source>{n} incidents of type {types} (field {field}).</source>
      <translation>{n} incidenten van soort {types} (veld {field}).</translation>
    </message>
    <message>
      <source>No network '{id}' in the networks layer (known: {known}).</source>
      <translation>Geen netwerk '{id}' in de netwerkenlaag (bekend: {known}).</translation>
    </message>
    <message>
      <source>not evaluated: {id}: {reason}</source>
      <translation>niet geëvalueerd: {id}: {reason}</translation>
    </message>
    <message>
      <source>Network {id} has no founding date (valid_from or founded): give the before and after periods.</source>
      <translation>Netwerk {id} heeft geen oprichtingsdatum (valid_from of founded): geef de voor- en naperiode op.</translation>
    </message>
    <message>
      <source>The before and after periods given are not used: the periods are the months around the founding date.</source>
      <translation>De opgegeven voor- en naperiode worden niet gebruikt: de periodes zijn de maanden rond de oprichtingsdatum.</translation>
    </message>
    <message>
      <source>Or select polygons of a layer and use 'Alert the selected polygons'.</source>
      <translation>Of selecteer polygonen van een laag en kies 'De geselecteerde polygonen alarmeren'.</translation>
    </message>
    <message>
      <source>Alert area: click the polygon's vertices on the map; right-click or double-click to finish (Backspace removes the last vertex, Esc starts again).</source>
      <translation>Alarmgebied: klik de hoekpunten van de polygoon op de kaart; rechtsklik of dubbelklik om af te sluiten (Backspace haalt het laatste hoekpunt weg, Esc begint opnieuw).</translation>
    </message>
    <message>
      <source>Alert circle: press at the centre on the map and drag to the radius, then release.</source>
      <translation>Alarmcirkel: druk op de kaart in het middelpunt, sleep tot de straal en laat los.</translation>
    </message>
    <message>
      <source>No store chosen yet: choose the store that holds the members in the dialog.</source>
      <translation>Nog geen opslag gekozen: kies in het venster de opslag met de leden.</translation>
    </message>
    <message>
      <source>Members from the store {store} (change it in the dialog).</source>
      <translation>Leden uit de opslag {store} (te wijzigen in het venster).</translation>
    </message>
    <message>
      <source>bingeo's worker process stopped (exit code {code}): {tail}</source>
      <translation>Het werkproces van bingeo is gestopt (afsluitcode {code}): {tail}</translation>
    </message>
    <message>
      <source>Networks active on {date}: {n} of {total} used; {left} retired or not yet founded then are left out (the rule of bingeo's command line).</source>
      <translation>Netwerken actief op {date}: {n} van {total} gebruikt; {left} die toen opgeheven of nog niet opgericht waren, blijven buiten beschouwing (de regel van de opdrachtregel van bingeo).</translation>
    </message>
    <message>
      <source>Use the networks active on this date (their lifetime valid_from/valid_to), as bingeo's --at. Empty: the networks active today; retired ones are left out, as on the command line.</source>
      <translation>Gebruik de netwerken die op deze datum actief waren (hun looptijd valid_from/valid_to), zoals --at van bingeo. Leeg: de netwerken die vandaag actief zijn; opgeheven netwerken blijven buiten beschouwing, zoals op de opdrachtregel.</translation>
    </message>
    <message>
      <source>Networks as of {date}: the networks layer has no lifetimes (valid_from, valid_to). Use the store's networks layer, or leave the date empty.</source>
      <translation>Netwerken per {date}: de netwerkenlaag heeft geen looptijden (valid_from, valid_to). Gebruik de netwerkenlaag van de opslag, of laat de datum leeg.</translation>
    </message>
    <message>
      <source>Networks as of (YYYY-MM-DD)</source>
      <translation>Netwerken per (JJJJ-MM-DD)</translation>
    </message>
    <message>
      <source>Networks as of: give a date as YYYY-MM-DD, e.g. 2024-06-01; got '{text}'.</source>
      <translation>Netwerken per: geef een datum als JJJJ-MM-DD, bijv. 2024-06-01; gekregen: '{text}'.</translation>
    </message>
    <message>
      <source>{n} networks were redrawn after {date}: their current boundary is used. For the boundary they had then, run bingeo on the store (command line --at {date}).</source>
      <translation>{n} netwerken zijn na {date} opnieuw ingetekend: hun huidige grens wordt gebruikt. Voor de grens van toen: gebruik bingeo op de opslag (opdrachtregel --at {date}).</translation>
    </message>
    <message>
      <source>{n} features of '{layer}' have no usable geometry (empty, or coordinates that are not numbers): rejected from the analysis; they are kept in the output, but match nothing.</source>
      <translation>{n} objecten van '{layer}' hebben geen bruikbare geometrie (leeg, of coördinaten die geen getallen zijn): afgewezen voor de analyse; ze blijven in de uitvoer, maar vallen nergens in.</translation>
    </message>
    <message>
      <source>Repaired {n} invalid network polygons:</source>
      <translation>{n} ongeldige netwerkpolygonen hersteld:</translation>
    </message>
    <message>
      <source>  ... and {n} more.</source>
      <translation>  ... en nog {n}.</translation>
    </message>
    <message>
      <source>Cell size (m; 0 = automatic)</source>
      <translation>Celgrootte (m; 0 = automatisch)</translation>
    </message>
    <message>
      <source>Side of a grid cell in metres. 0 = automatic (the rule in the README: the larger of twice the mean nearest-neighbour distance between distinct incident locations and the square root of area per incident, rounded); the log reports the size chosen and why.</source>
      <translation>Zijde van een rastercel in meters. 0 = automatisch (de regel in de README: de grootste van tweemaal de gemiddelde afstand tot de dichtstbijzijnde andere incidentlocatie en de wortel van de oppervlakte per incident, afgerond); het logboek meldt de gekozen grootte en waarom.</translation>
    </message>
    <message>
      <source>Optional: the input features without a usable geometry (reject_reason: no_location, invalid_coordinates), with all their fields.</source>
      <translation>Optioneel: de invoerobjecten zonder bruikbare geometrie (reject_reason: no_location, invalid_coordinates), met al hun velden.</translation>
    </message>
    <message>
      <source>Rejected points</source>
      <translation>Afgewezen punten</translation>
    </message>
    <message>
      <source>The networks layer has no CRS: set it in the layer properties.</source>
      <translation>De netwerkenlaag heeft geen CRS: stel het in bij de laageigenschappen.</translation>
    </message>
    <message>
      <source>No usable point in '{layer}': {summary}</source>
      <translation>Geen bruikbaar punt in '{layer}': {summary}</translation>
    </message>
    <message>
      <source>Emerging hot spots (space-time Gi* trends)</source>
      <translation>Opkomende hotspots (trends van Gi* in ruimte en tijd)</translation>
    </message>
    <message>
      <source>Counts incidents per grid cell and whole time step (a space-time cube), computes Gi* per bin with neighbours in the same step and the steps before it, tests each cell's trend (Mann-Kendall) and gives it ArcGIS's Emerging Hot Spot category (new, consecutive, intensifying, persistent, diminishing, sporadic, oscillating, historical hot or cold spot). New and intensifying hot spots that no network covers are listed first in the log.</source>
      <translation>Telt incidenten per rastercel en hele tijdstap (een ruimte-tijdkubus), berekent Gi* per vak met buren in dezelfde stap en de stappen ervoor, toetst de trend van elke cel (Mann-Kendall) en geeft haar de categorie van ArcGIS' Emerging Hot Spot Analysis (nieuwe, opeenvolgende, toenemende, aanhoudende, afnemende, sporadische, wisselende of historische hot- of coldspot). Nieuwe en toenemende hotspots die door geen netwerk gedekt worden, staan als eerste in het logboek.</translation>
    </message>
    <message>
      <source>Incident points with a date; analysed in the networks' CRS when networks are given.</source>
      <translation>Incidentpunten met een datum; geanalyseerd in het CRS van de netwerken als die gegeven zijn.</translation>
    </message>
    <message>
      <source>Length of a time step; only whole steps are used (a partial last step is dropped and said).</source>
      <translation>Lengte van een tijdstap; alleen hele stappen tellen (een onvolledige laatste stap vervalt, en dat wordt gemeld).</translation>
    </message>
    <message>
      <source>Steps before each bin's own step in its Gi* neighbourhood (ArcGIS's neighbourhood time step).</source>
      <translation>Stappen vóór de eigen stap van elk vak in zijn Gi*-buurt (de 'neighbourhood time step' van ArcGIS).</translation>
    </message>
    <message>
      <source>Side of a grid cell in metres. 0 = automatic (the rule of the hot spots).</source>
      <translation>Zijde van een rastercel in meters. 0 = automatisch (de regel van de hotspots).</translation>
    </message>
    <message>
      <source>Significance level of Gi* (false discovery rate with FDR) and of the trend test.</source>
      <translation>Significantieniveau van Gi* (false discovery rate met FDR) en van de trendtoets.</translation>
    </message>
    <message>
      <source>Correct the p-values over all bins for multiple testing (recommended).</source>
      <translation>Corrigeer de p-waarden over alle vakken voor meervoudig toetsen (aanbevolen).</translation>
    </message>
    <message>
      <source>A cell is uncovered when less than this share of it lies in a network.</source>
      <translation>Een cel is ongedekt als minder dan dit deel ervan in een netwerk ligt.</translation>
    </message>
    <message>
      <source>One square per cell with incidents or a pattern: category, trend_tau/z/p, covered_share, network_id.</source>
      <translation>Eén vierkant per cel met incidenten of een patroon: category, trend_tau/z/p, covered_share, network_id.</translation>
    </message>
    <message>
      <source>One row per cell and step (a table): row, col, step, step_start, count, gi_z, gi_p, hot.</source>
      <translation>Eén rij per cel en stap (een tabel): row, col, step, step_start, count, gi_z, gi_p, hot.</translation>
    </message>
    <message>
      <source>Time step</source>
      <translation>Tijdstap</translation>
    </message>
    <message>
      <source>Neighbourhood time steps</source>
      <translation>Buurt in tijdstappen</translation>
    </message>
    <message>
      <source>Emerging hot spot locations</source>
      <translation>Locaties van opkomende hotspots</translation>
    </message>
    <message>
      <source>Space-time cube</source>
      <translation>Ruimte-tijdkubus</translation>
    </message>
    <message>
      <source>New or intensifying hot spots uncovered</source>
      <translation>Nieuwe of toenemende hotspots zonder netwerk</translation>
    </message>
    <message>
      <source>Forecast: where risk is raised next (ProMap)</source>
      <translation>Voorspelling: waar het risico nu verhoogd is (ProMap)</translation>
    </message>
    <message>
      <source>Each recent incident raises the risk in the cells around it for the following days, less with distance and age: 1/(1 + distance in cells) x 1/(1 + age in weeks) (Bowers, Johnson &amp; Pease 2004). The distance and the days come from a Knox near-repeat test on the year before (400 m and 60 days when there is no pattern). Gives the risk per cell and the networks holding the highest-risk cells, most risk first: the networks to warn.</source>
      <translation>Elk recent incident verhoogt het risico in de cellen eromheen voor de dagen erna, minder naarmate de afstand en de ouderdom groter zijn: 1/(1 + afstand in cellen) x 1/(1 + ouderdom in weken) (Bowers, Johnson &amp; Pease 2004). De afstand en het aantal dagen komen uit een Knox near-repeat-toets op het jaar ervoor (400 m en 60 dagen als er geen patroon is). Geeft het risico per cel en de netwerken waarin de cellen met het hoogste risico liggen, meeste risico eerst: de netwerken om te waarschuwen.</translation>
    </message>
    <message>
      <source>Incidents from this day on are not used. Default: the day after the last incident.</source>
      <translation>Incidenten vanaf deze dag worden niet gebruikt. Standaard: de dag na het laatste incident.</translation>
    </message>
    <message>
      <source>Days the forecast is for.</source>
      <translation>Aantal dagen waarvoor de voorspelling geldt.</translation>
    </message>
    <message>
      <source>Share of the study area's cells that are 'highest risk'.</source>
      <translation>Aandeel van de cellen van het studiegebied met het 'hoogste risico'.</translation>
    </message>
    <message>
      <source>How far a fresh incident raises the risk. 0: from the Knox test.</source>
      <translation>Hoe ver een vers incident het risico verhoogt. 0: uit de Knox-toets.</translation>
    </message>
    <message>
      <source>How long a fresh incident raises the risk. 0: from the Knox test.</source>
      <translation>Hoe lang een vers incident het risico verhoogt. 0: uit de Knox-toets.</translation>
    </message>
    <message>
      <source>Monte Carlo permutations of the Knox test.</source>
      <translation>Monte-Carlo-permutaties van de Knox-toets.</translation>
    </message>
    <message>
      <source>One square per cell with a risk above 0: row, col, risk, rank, top (highest risk), network_id.</source>
      <translation>Eén vierkant per cel met een risico boven 0: row, col, risk, rank, top (hoogste risico), network_id.</translation>
    </message>
    <message>
      <source>One row per network holding highest-risk cells (a table): top_cells, top_area_m2, risk, rank.</source>
      <translation>Eén rij per netwerk met cellen met het hoogste risico (een tabel): top_cells, top_area_m2, risk, rank.</translation>
    </message>
    <message>
      <source>First day of the forecast (YYYY-MM-DD)</source>
      <translation>Eerste dag van de voorspelling (JJJJ-MM-DD)</translation>
    </message>
    <message>
      <source>Days</source>
      <translation>Dagen</translation>
    </message>
    <message>
      <source>Share of the area at highest risk</source>
      <translation>Aandeel van het gebied met het hoogste risico</translation>
    </message>
    <message>
      <source>Near-repeat distance (m; 0 = Knox test)</source>
      <translation>Near-repeat-afstand (m; 0 = Knox-toets)</translation>
    </message>
    <message>
      <source>Near-repeat days (0 = Knox test)</source>
      <translation>Near-repeat-dagen (0 = Knox-toets)</translation>
    </message>
    <message>
      <source>Permutations of the Knox test</source>
      <translation>Permutaties van de Knox-toets</translation>
    </message>
    <message>
      <source>Risk per cell</source>
      <translation>Risico per cel</translation>
    </message>
    <message>
      <source>Networks to warn</source>
      <translation>Netwerken om te waarschuwen</translation>
    </message>
    <message>
      <source>aoristic: spread each incident over its time window (begin and end fields); begin, midpoint, end: count it at that instant.</source>
      <translation>aoristisch: spreid elk incident over zijn tijdvenster (begin- en eindveld); begin, midden, eind: tel het op dat moment.</translation>
    </message>
    <message>
      <source>Windows longer than this are counted at their midpoint (and reported).</source>
      <translation>Langere vensters worden op hun midden geteld (en gemeld).</translation>
    </message>
    <message>
      <source>Begin of each incident's time window (default: found by name, e.g. Begin-pleegdatum/tijd).</source>
      <translation>Begin van het tijdvenster van elk incident (standaard: gevonden op naam, bijv. Begin-pleegdatum/tijd).</translation>
    </message>
    <message>
      <source>End of each incident's time window (default: found by name, e.g. Eind-pleegdatum/tijd).</source>
      <translation>Einde van het tijdvenster van elk incident (standaard: gevonden op naam, bijv. Eind-pleegdatum/tijd).</translation>
    </message>
    <message>
      <source>Time of an incident</source>
      <translation>Tijdstip van een incident</translation>
    </message>
    <message>
      <source>Longest window spread (days)</source>
      <translation>Langste venster dat gespreid wordt (dagen)</translation>
    </message>
    <message>
      <source>Window begin field</source>
      <translation>Veld begin tijdvenster</translation>
    </message>
    <message>
      <source>Window end field</source>
      <translation>Veld einde tijdvenster</translation>
    </message>
    <message>
      <source>Give both the window begin and end fields, or neither.</source>
      <translation>Geef zowel het begin- als het eindveld van het tijdvenster, of geen van beide.</translation>
    </message>
    <message>
      <source>Counts incidents per network (an incident in overlapping networks counts for each), optionally per period and type, with addresses, households and the rate per 1,000 addresses. Incidents outside every network are counted on a row with an empty network_id. Per period, an incident known by a time window (begin and end fields) adds to each period the share of its window in it (aoristic).</source>
      <translation>Telt incidenten per netwerk (een incident in overlappende netwerken telt voor elk ervan), eventueel per periode en soort, met adressen, huishoudens en het aantal per 1.000 adressen. Incidenten buiten alle netwerken worden geteld op een rij met een lege network_id. Per periode telt een incident met een tijdvenster (begin- en eindveld) in elke periode mee met het deel van zijn venster dat erin valt (aoristisch).</translation>
    </message>
    <message>
      <source>Hour-of-week profile per network</source>
      <translation>Uur-van-de-weekprofiel per netwerk</translation>
    </message>
    <message>
      <source>A 7 x 24 table (day of week by hour) of the incidents in each network. An incident known by a time window (begin and end fields, e.g. Begin-pleegdatum/tijd and Eind-pleegdatum/tijd) adds to each hour the share of its window in that hour (aoristic, Ratcliffe 2002); without such fields each incident counts at its date and time. Incidents without a usable window (no begin, an impossible date, an end before its begin) go to the rejected points.</source>
      <translation>Een tabel van 7 x 24 (dag van de week bij uur) van de incidenten in elk netwerk. Een incident met een tijdvenster (begin- en eindveld, bijv. Begin-pleegdatum/tijd en Eind-pleegdatum/tijd) telt in elk uur mee met het deel van zijn venster in dat uur (aoristisch, Ratcliffe 2002); zonder zulke velden telt elk incident op zijn datum en tijd. Incidenten zonder bruikbaar venster (geen begin, een onmogelijke datum, een einde voor het begin) gaan naar de afgewezen punten.</translation>
    </message>
    <message>
      <source>Incident points with a time (any CRS).</source>
      <translation>Incidentpunten met een tijdstip (elk CRS).</translation>
    </message>
    <message>
      <source>A table: network_id, network_name, day (Monday first), the weights of hours 00 to 23, total. Incidents outside every network are on the rows with an empty network_id.</source>
      <translation>Een tabel: network_id, network_name, day (maandag eerst), de gewichten van de uren 00 tot 23, total. Incidenten buiten alle netwerken staan op de rijen met een lege network_id.</translation>
    </message>
    <message>
      <source>Hour-of-week profile</source>
      <translation>Uur-van-de-weekprofiel</translation>
    </message>
    <message>
      <source>{n} incidents have a window longer than {days:g} days and are counted at their midpoint.</source>
      <translation>{n} incidenten hebben een venster langer dan {days:g} dagen en worden op hun midden geteld.</translation>
    </message>
    <message>
      <source>aoristic</source>
      <translation>aoristisch</translation>
    </message>
    <message>
      <source>begin</source>
      <translation>begin</translation>
    </message>
    <message>
      <source>midpoint</source>
      <translation>midden</translation>
    </message>
    <message>
      <source>end</source>
      <translation>eind</translation>
    </message>
    <message>
      <source>Send e-mail...</source>
      <translation>E-mail versturen...</translation>
    </message>
    <message>
      <source>(my own text below)</source>
      <translation>(mijn eigen tekst hieronder)</translation>
    </message>
    <message>
      <source>default: the template's</source>
      <translation>standaard: die van het sjabloon</translation>
    </message>
    <message>
      <source>default</source>
      <translation>standaard</translation>
    </message>
    <message>
      <source>no limit</source>
      <translation>geen limiet</translation>
    </message>
    <message>
      <source>Template</source>
      <translation>Sjabloon</translation>
    </message>
    <message>
      <source>Language</source>
      <translation>Taal</translation>
    </message>
    <message>
      <source>Subject</source>
      <translation>Onderwerp</translation>
    </message>
    <message>
      <source>Own text</source>
      <translation>Eigen tekst</translation>
    </message>
    <message>
      <source>Mail server</source>
      <translation>Mailserver</translation>
    </message>
    <message>
      <source>Port</source>
      <translation>Poort</translation>
    </message>
    <message>
      <source>Security</source>
      <translation>Beveiliging</translation>
    </message>
    <message>
      <source>Login</source>
      <translation>Gebruikersnaam</translation>
    </message>
    <message>
      <source>Password (not saved)</source>
      <translation>Wachtwoord (wordt niet bewaard)</translation>
    </message>
    <message>
      <source>From</source>
      <translation>Van</translation>
    </message>
    <message>
      <source>Reply-To (coordinator)</source>
      <translation>Antwoord aan (coördinator)</translation>
    </message>
    <message>
      <source>CA certificate</source>
      <translation>CA-certificaat</translation>
    </message>
    <message>
      <source>E-mails per minute</source>
      <translation>E-mails per minuut</translation>
    </message>
    <message>
      <source>Check</source>
      <translation>Controleren</translation>
    </message>
    <message>
      <source>Send</source>
      <translation>Versturen</translation>
    </message>
    <message>
      <source>bingeo: send alert {id} by e-mail</source>
      <translation>bingeo: alert {id} per e-mail versturen</translation>
    </message>
    <message>
      <source>Not sent: {error}</source>
      <translation>Niet verstuurd: {error}</translation>
    </message>
    <message>
      <source>alert e-mail not sent: {error}</source>
      <translation>alert-e-mail niet verstuurd: {error}</translation>
    </message>
    <message>
      <source>Invitations for an area</source>
      <translation>Uitnodigingen voor een gebied</translation>
    </message>
    <message>
      <source>The addresses (never persons) inside an area, to invite the residents to an information evening: sorted for delivery on foot (street by street, up the odd side and down the even side), as a mail-merge list and printable address labels (A4, 3 x 8).</source>
      <translation>De adressen (nooit personen) in een gebied, om de bewoners uit te nodigen voor een informatieavond: gesorteerd om te voet te bezorgen (straat na straat, de oneven kant op en de even kant terug), als lijst voor samenvoegen en als adresetiketten om te printen (A4, 3 x 8).</translation>
    </message>
    <message>
      <source>The area: a network, a proposed area or a drawn polygon (only the selected features, if asked).</source>
      <translation>Het gebied: een netwerk, een voorgesteld gebied of een getekende polygoon (desgevraagd alleen de geselecteerde objecten).</translation>
    </message>
    <message>
      <source>Address points with street and house-number fields; postcode and city are used when present.</source>
      <translation>Adrespunten met velden voor straat en huisnummer; postcode en woonplaats worden gebruikt als ze er zijn.</translation>
    </message>
    <message>
      <source>First line of every label: the residents, never a person.</source>
      <translation>Eerste regel van elk etiket: de bewoners, nooit een persoon.</translation>
    </message>
    <message>
      <source>order, addressee, street, house_number, postcode, city and the three label lines.</source>
      <translation>order, addressee, street, house_number, postcode, city en de drie regels van het etiket.</translation>
    </message>
    <message>
      <source>The list as ;-CSV, UTF-8 with BOM (Excel and Word with a Dutch locale).</source>
      <translation>De lijst als ;-CSV, UTF-8 met BOM (Excel en Word met Nederlandse landinstellingen).</translation>
    </message>
    <message>
      <source>Printable address labels: A4 pages of 3 x 8 labels.</source>
      <translation>Adresetiketten om te printen: A4-vellen van 3 x 8 etiketten.</translation>
    </message>
    <message>
      <source>Addressee</source>
      <translation>Geadresseerde</translation>
    </message>
    <message>
      <source>Invitation list</source>
      <translation>Uitnodigingslijst</translation>
    </message>
    <message>
      <source>Mail-merge list</source>
      <translation>Lijst voor samenvoegen</translation>
    </message>
    <message>
      <source>Address labels</source>
      <translation>Adresetiketten</translation>
    </message>
    <message>
      <source>PDF (*.pdf)</source>
      <translation>PDF (*.pdf)</translation>
    </message>
    <message>
      <source>{n} addresses on {k} streets</source>
      <translation>{n} adressen in {k} straten</translation>
    </message>
    <message>
      <source>Streets per network</source>
      <translation>Straten per netwerk</translation>
    </message>
    <message>
      <source>Lists per network (or proposed area) the streets and house-number ranges it holds: whole streets, whole sides, or runs of house numbers per odd/even side. The list reads back with Networks from streets.</source>
      <translation>Geeft per netwerk (of voorgesteld gebied) de straten en huisnummerreeksen die erin liggen: hele straten, hele kanten, of reeksen huisnummers per oneven/even kant. De lijst leest terug met Netwerken uit straten.</translation>
    </message>
    <message>
      <source>Network boundaries or proposed areas (polygons) with an id field (network_id, proposal_id, ...).</source>
      <translation>Netwerkgrenzen of voorgestelde gebieden (polygonen) met een id-veld (network_id, proposal_id, ...).</translation>
    </message>
    <message>
      <source>Address points with street and house-number fields (or one full-address field).</source>
      <translation>Adrespunten met velden voor straat en huisnummer (of één veld met het volledige adres).</translation>
    </message>
    <message>
      <source>network_id, street, side (both, odd, even), from, to, addresses.</source>
      <translation>network_id, street, side (both = beide, odd = oneven, even), from, to, addresses.</translation>
    </message>
    <message>
      <source>Street list</source>
      <translation>Stratenlijst</translation>
    </message>
    <message>
      <source>{n} rows for {k} networks</source>
      <translation>{n} regels voor {k} netwerken</translation>
    </message>
    <message>
      <source>Networks from streets</source>
      <translation>Netwerken uit straten</translation>
    </message>
    <message>
      <source>Turns a charter's list of streets (street, optional from/to house numbers and odd/even side, per network) into a polygon around exactly those addresses. The log names listed streets without an address (with similar names) and addresses of other streets that ended up inside.</source>
      <translation>Maakt van de stratenlijst uit een convenant (straat, eventueel huisnummers van/tot en oneven/even kant, per netwerk) een polygoon rond precies die adressen. Het logboek noemt genoemde straten zonder adres (met gelijkende namen) en adressen van andere straten die erbinnen vallen.</translation>
    </message>
    <message>
      <source>CSV or spreadsheet with a street column and optionally network, from, to and side columns (English, Dutch or French names).</source>
      <translation>CSV of spreadsheet met een kolom straat en eventueel kolommen netwerk, van, tot en zijde (Nederlandse, Franse of Engelse namen).</translation>
    </message>
    <message>
      <source>Id of the network when the list has no network column.</source>
      <translation>Id van het netwerk als de lijst geen kolom netwerk heeft.</translation>
    </message>
    <message>
      <source>Metres the polygon reaches beyond the outer addresses.</source>
      <translation>Aantal meter dat de polygoon voorbij de buitenste adressen reikt.</translation>
    </message>
    <message>
      <source>One polygon per network: network_id, name, addresses, foreign, area_m2.</source>
      <translation>Eén polygoon per netwerk: network_id, name, addresses (adressen), foreign (niet genoemde adressen erbinnen), area_m2.</translation>
    </message>
    <message>
      <source>Addresses of other streets or numbers inside a polygon (at the same point as a listed one).</source>
      <translation>Adressen van andere straten of nummers binnen een polygoon (op hetzelfde punt als een genoemd adres).</translation>
    </message>
    <message>
      <source>Reach past the outer addresses (m)</source>
      <translation>Reikwijdte voorbij de buitenste adressen (m)</translation>
    </message>
    <message>
      <source>Addresses not listed inside</source>
      <translation>Niet genoemde adressen erbinnen</translation>
    </message>
    <message>
      <source>Tables (*.csv *.xlsx *.ods)</source>
      <translation>Tabellen (*.csv *.xlsx *.ods)</translation>
    </message>
    <message>
      <source>Off (as the command line): a listed street or range without any address stops the algorithm, so that a misspelt street is corrected first. On: the networks are made without those rows.</source>
      <translation>Uit (zoals op de opdrachtregel): een genoemde straat of reeks zonder enig adres stopt het algoritme, zodat een verkeerd gespelde straat eerst wordt verbeterd. Aan: de netwerken worden zonder die regels gemaakt.</translation>
    </message>
    <message>
      <source>{n} listed street(s) or range(s) hold no address (NOT FOUND in the log). Correct the list, or switch on 'Make the networks despite missing streets'.</source>
      <translation>{n} genoemde straat/straten of reeks(en) bevatten geen adres (NOT FOUND in het logboek). Verbeter de lijst, of zet 'Netwerken maken ondanks ontbrekende straten' aan.</translation>
    </message>
    <message>
      <source>Make the networks despite missing streets</source>
      <translation>Netwerken maken ondanks ontbrekende straten</translation>
    </message>
    <message>
      <source>Risk per household (density)</source>
      <translation>Risico per huishouden (dichtheid)</translation>
    </message>
    <message>
      <source>Incidents per 1,000 households: the incidents' kernel density divided by the households' kernel density, same kernel, radius and grid (QGIS's heat map grid of both layers), so a busy shopping street does not outrank a street of often-burgled homes.</source>
      <translation>Incidenten per 1.000 huishoudens: de kerndichtheid van de incidenten gedeeld door die van de huishoudens, met dezelfde kern, straal en raster (het heatmapraster van QGIS voor beide lagen), zodat een drukke winkelstraat niet boven een straat met vaak ingebroken woningen uitkomt.</translation>
    </message>
    <message>
      <source>Incident points.</source>
      <translation>Incidentpunten.</translation>
    </message>
    <message>
      <source>Address points, optionally with households per address.</source>
      <translation>Adrespunten, eventueel met huishoudens per adres.</translation>
    </message>
    <message>
      <source>Kernel radius (bandwidth) in metres, the same for both densities.</source>
      <translation>Kernstraal (bandbreedte) in meters, dezelfde voor beide dichtheden.</translation>
    </message>
    <message>
      <source>Cells with fewer households nearby (kernel-weighted) get no rate (nodata), so one house does not dominate.</source>
      <translation>Cellen met minder huishoudens in de buurt (kerngewogen) krijgen geen ratio (nodata), zodat één huis niet overheerst.</translation>
    </message>
    <message>
      <source>The rate raster (GeoTIFF); cells without enough households are nodata.</source>
      <translation>Het ratioraster (GeoTIFF); cellen zonder genoeg huishoudens zijn nodata.</translation>
    </message>
    <message>
      <source>Minimum households nearby</source>
      <translation>Minimum huishoudens in de buurt</translation>
    </message>
    <message>
      <source>Incidents per 1,000 households</source>
      <translation>Incidenten per 1.000 huishoudens</translation>
    </message>
    <message>
      <source>Best new areas (plan)</source>
      <translation>Beste nieuwe gebieden (plan)</translation>
    </message>
    <message>
      <source>Chooses the k candidate areas (e.g. the proposed areas) that together reach the most incidents no network covers, each incident counted once (maximal covering, solved exactly), optionally within a households budget, and gives the gain of each next area.</source>
      <translation>Kiest de k kandidaatgebieden (bijv. de voorgestelde gebieden) die samen de meeste incidenten bereiken die geen netwerk dekt, elk incident één keer geteld (maximale dekking, exact opgelost), eventueel binnen een budget aan huishoudens, en geeft de winst van elk volgend gebied.</translation>
    </message>
    <message>
      <source>Candidate areas</source>
      <translation>Kandidaatgebieden</translation>
    </message>
    <message>
      <source>Candidate areas (polygons), e.g. the output of bingeo's Propose new network areas.</source>
      <translation>Kandidaatgebieden (polygonen), bijv. de uitvoer van Nieuwe netwerkgebieden voorstellen van bingeo.</translation>
    </message>
    <message>
      <source>Existing networks: incidents inside them are already covered.</source>
      <translation>Bestaande netwerken: incidenten daarbinnen zijn al gedekt.</translation>
    </message>
    <message>
      <source>Address points: households per candidate (for the budget) and, by risk, the homes at risk.</source>
      <translation>Adrespunten: huishoudens per kandidaat (voor het budget) en, bij risico, de woningen met risico.</translation>
    </message>
    <message>
      <source>How many areas to choose.</source>
      <translation>Hoeveel gebieden te kiezen.</translation>
    </message>
    <message>
      <source>The chosen areas together hold at most this many households (0: no budget).</source>
      <translation>De gekozen gebieden bevatten samen hoogstens zoveel huishoudens (0: geen budget).</translation>
    </message>
    <message>
      <source>Uncovered incidents, or risk at uncovered homes (incidents per household around each address, times its households; needs the addresses).</source>
      <translation>Ongedekte incidenten, of risico bij ongedekte woningen (incidenten per huishouden rond elk adres, maal zijn huishoudens; vraagt de adressen).</translation>
    </message>
    <message>
      <source>Column naming the candidates (default: proposal_id, network_id, id, name).</source>
      <translation>Kolom met de naam van de kandidaten (standaard: proposal_id, network_id, id, name).</translation>
    </message>
    <message>
      <source>exact: the best choice (HiGHS); greedy: fast, with a bound; auto: exact up to 5,000 candidates.</source>
      <translation>exact: de beste keuze (HiGHS); greedy: snel, met een grens; auto: exact tot 5.000 kandidaten.</translation>
    </message>
    <message>
      <source>The chosen areas in the order of their gain: rank, candidate_id, households, inside, gain, cumulative, share, best.</source>
      <translation>De gekozen gebieden in volgorde van hun winst: rank, candidate_id, households, inside, gain, cumulative, share, best.</translation>
    </message>
    <message>
      <source>Number of areas</source>
      <translation>Aantal gebieden</translation>
    </message>
    <message>
      <source>Households budget</source>
      <translation>Budget aan huishoudens</translation>
    </message>
    <message>
      <source>Reach the most</source>
      <translation>Bereik de meeste</translation>
    </message>
    <message>
      <source>Candidate id field</source>
      <translation>Veld met kandidaat-id</translation>
    </message>
    <message>
      <source>Method</source>
      <translation>Methode</translation>
    </message>
    <message>
      <source>Chosen areas</source>
      <translation>Gekozen gebieden</translation>
    </message>
    <message>
      <source>incidents</source>
      <translation>incidenten</translation>
    </message>
    <message>
      <source>risk</source>
      <translation>risico</translation>
    </message>
    <message>
      <source>Divide an uncovered area into candidate BIN areas</source>
      <translation>Onbedekt gebied in kandidaat-BIN-gebieden verdelen</translation>
    </message>
    <message>
      <source>Groups the addresses of the area that no network covers into blocks (a block field, else street and a grid, else the grid) and the blocks into as many contiguous, compact regions as it can, each with the minimum to the maximum of households (the maximum is never passed). Blocks that can be in no region are written to the islands output with the reason.</source>
      <translation>Groepeert de adressen van het gebied dat geen netwerk dekt in blokken (een blokveld, anders straat en een raster, anders het raster) en de blokken in zoveel mogelijk aaneengesloten, compacte gebieden, elk met het minimum tot het maximum aan huishoudens (het maximum wordt nooit overschreden). Blokken die in geen gebied passen, worden met de reden naar de uitvoer eilanden geschreven.</translation>
    </message>
    <message>
      <source>Polygon(s) of the area to divide.</source>
      <translation>Polygo(o)n(en) van het te verdelen gebied.</translation>
    </message>
    <message>
      <source>Address points, optionally with households, a block key and a street name.</source>
      <translation>Adrespunten, eventueel met huishoudens, een bloksleutel en een straatnaam.</translation>
    </message>
    <message>
      <source>Current networks: their area is left out of the regions.</source>
      <translation>Huidige netwerken: hun gebied blijft buiten de gebieden.</translation>
    </message>
    <message>
      <source>Incident points: adds the number of incidents inside each region.</source>
      <translation>Incidentpunten: voegt het aantal incidenten in elk gebied toe.</translation>
    </message>
    <message>
      <source>Households every region reaches.</source>
      <translation>Huishoudens die elk gebied bereikt.</translation>
    </message>
    <message>
      <source>Households no region passes (at most 256 for a WhatsApp group).</source>
      <translation>Huishoudens die geen gebied overschrijdt (hoogstens 256 voor een WhatsApp-groep).</translation>
    </message>
    <message>
      <source>WhatsApp group: the maximum may not pass 256 members.</source>
      <translation>WhatsApp-groep: het maximum mag niet boven 256 leden komen.</translation>
    </message>
    <message>
      <source>Block key per address (default: DISSEMINATION_BLOCK_ID, bouwblok, block_id... when present).</source>
      <translation>Bloksleutel per adres (standaard: DISSEMINATION_BLOCK_ID, bouwblok, block_id... indien aanwezig).</translation>
    </message>
    <message>
      <source>Street name (default: straat, street... when present).</source>
      <translation>Straatnaam (standaard: straat, street... indien aanwezig).</translation>
    </message>
    <message>
      <source>Grid (metres) of the blocks when the addresses have no block field.</source>
      <translation>Raster (meter) van de blokken wanneer de adressen geen blokveld hebben.</translation>
    </message>
    <message>
      <source>The same seed gives the same regions.</source>
      <translation>Hetzelfde startgetal geeft dezelfde gebieden.</translation>
    </message>
    <message>
      <source>One polygon per region: proposal_id, households, addresses, blocks, [incidents,] compactness.</source>
      <translation>Eén polygoon per gebied: proposal_id, huishoudens, adressen, blokken, [incidenten,] compactheid.</translation>
    </message>
    <message>
      <source>Blocks that can be in no region (cut off with too few households, above the maximum), with the reason.</source>
      <translation>Blokken die in geen gebied passen (afgesneden met te weinig huishoudens, boven het maximum), met de reden.</translation>
    </message>
    <message>
      <source>Block field</source>
      <translation>Blokveld</translation>
    </message>
    <message>
      <source>Block grid size</source>
      <translation>Rastergrootte blokken</translation>
    </message>
    <message>
      <source>Random seed</source>
      <translation>Startgetal</translation>
    </message>
    <message>
      <source>Candidate BIN areas</source>
      <translation>Kandidaat-BIN-gebieden</translation>
    </message>
    <message>
      <source>Blocks in no region</source>
      <translation>Blokken in geen gebied</translation>
    </message>
    <message>
      <source>Number of regions</source>
      <translation>Aantal gebieden</translation>
    </message>
    <message>
      <source>Maximum households {n} does not fit a WhatsApp group, which holds at most 256 members: use 256 or less, or Kind 'BIN (no cap)' when the areas will not be WhatsApp groups.</source>
      <translation>Maximum huishoudens {n} past niet in een WhatsApp-groep, die hoogstens 256 leden heeft: gebruik 256 of minder, of Soort 'BIN (no cap)' wanneer de gebieden geen WhatsApp-groepen worden.</translation>
    </message>
    <message>
      <source>A block reaches at most this far (metres) from its addresses; land farther from every address is in no region.</source>
      <translation>Een blok reikt hoogstens zo ver (meter) van zijn adressen; grond verder van elk adres ligt in geen gebied.</translation>
    </message>
    <message>
      <source>Block reach</source>
      <translation>Reikwijdte blokken</translation>
    </message>
    <message>
      <source>bingeo's worker process stopped during the run (exit code {code}); the next run starts a new one.</source>
      <translation>Het werkproces van bingeo is tijdens de uitvoering gestopt (afsluitcode {code}); de volgende uitvoering start een nieuw.</translation>
    </message>
  </context>
</TS>
