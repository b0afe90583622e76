"""One example per command, as the help shows it (and the README's table echoes)."""

EXAMPLES = {
    "validate": "aifi-legal validate --data mijn-werkmap/hospitals.yaml",
    "build": "aifi-legal build --group 1 --pdf --out out",
    "sign": (
        'aifi-legal sign st-jozef-dalwijk deelnameovereenkomst --signatory "A. de Vries" '
        "--date 2027-03-01 --method paper --file scan.pdf"
    ),
    "intake": "aifi-legal intake terug/*.pdf --trust-root ca-ziekenhuis.pem",
    "status": "aifi-legal status --group 1 --format csv > status.csv",
    "remind": "aifi-legal remind --group 1 --out out --record",
    "report": "aifi-legal report --html voortgang.html --today 2027-03-31",
    "check": "aifi-legal check bewerkt/deelnameovereenkomst.docx",
    "diff": "aifi-legal diff out-v1.0 out --out wijzigingen",
    "amend": "aifi-legal amend --hospital rijnstede --today 2027-06-01",
    "notice": (
        "aifi-legal notice AIFI-VWO-RIJNSTEDE--NORDLICHT-V1.0-K001 --event objected "
        '--date 2027-06-20 --reason "geen passend beschermingsniveau"'
    ),
    "lint": "aifi-legal lint --clauses clauses",
    "clauses": "aifi-legal clauses --format json",
    "schema": "aifi-legal schema > hospitals.schema.json",
    "init": "aifi-legal init mijn-werkmap",
}
