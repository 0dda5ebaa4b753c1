/**
 * Three-letter codes of states and organisations accepted in the issuing-state and nationality
 * fields (ICAO 9303 Part 3 §5: ISO 3166-1 alpha-3 plus ICAO's additions). Written with fillers
 * stripped, so Germany's `D<<` is `D`. ICAO's specimen state `UTO` is deliberately absent: it
 * parses, but is reported as unknown.
 */

// ISO 3166-1 alpha-3, in English short-name order.
const ISO_3166 = `
AFG ALA ALB DZA ASM AND AGO AIA ATA ATG ARG ARM ABW AUS AUT AZE BHS BHR BGD BRB BLR BEL BLZ BEN
BMU BTN BOL BES BIH BWA BVT BRA IOT BRN BGR BFA BDI CPV KHM CMR CAN CYM CAF TCD CHL CHN CXR CCK
COL COM COD COG COK CRI CIV HRV CUB CUW CYP CZE DNK DJI DMA DOM ECU EGY SLV GNQ ERI EST SWZ ETH
FLK FRO FJI FIN FRA GUF PYF ATF GAB GMB GEO DEU GHA GIB GRC GRL GRD GLP GUM GTM GGY GIN GNB GUY HTI
HMD VAT HND HKG HUN ISL IND IDN IRN IRQ IRL IMN ISR ITA JAM JPN JEY JOR KAZ KEN KIR PRK KOR KWT
KGZ LAO LVA LBN LSO LBR LBY LIE LTU LUX MAC MDG MWI MYS MDV MLI MLT MHL MTQ MRT MUS MYT MEX FSM
MDA MCO MNG MNE MSR MAR MOZ MMR NAM NRU NPL NLD NCL NZL NIC NER NGA NIU NFK MKD MNP NOR OMN PAK
PLW PSE PAN PNG PRY PER PHL PCN POL PRT PRI QAT REU ROU RUS RWA BLM SHN KNA LCA MAF SPM VCT WSM
SMR STP SAU SEN SRB SYC SLE SGP SXM SVK SVN SLB SOM ZAF SGS SSD ESP LKA SDN SUR SJM SWE CHE SYR
TWN TJK TZA THA TLS TGO TKL TON TTO TUN TUR TKM TCA TUV UGA UKR ARE GBR UMI USA URY UZB VUT VEN
VNM VGB VIR WLF ESH YEM ZMB ZWE`;

// ICAO 9303 Part 3 §5 additions: Germany, British nationality classes, Kosovo (RKS, and XXK
// seen in the field), the EU, UN bodies, other organisations, the stateless/refugee/unspecified
// codes, and ANT (Netherlands Antilles, withdrawn 2010, still on old documents).
const ICAO_ADDITIONS = `
D GBD GBN GBO GBP GBS RKS XXK EUE UNO UNA UNK XBA XIM XCC XCE XCO XDC XEC XES XMP XOM XPO XSC
XXA XXB XXC XXX ANT`;

const KNOWN = new Set(`${ISO_3166} ${ICAO_ADDITIONS}`.split(/\s+/).filter(Boolean));

/** `code` with fillers already stripped ('D', 'ZWE'). */
export function isKnownStateCode(code: string): boolean {
  return KNOWN.has(code);
}
