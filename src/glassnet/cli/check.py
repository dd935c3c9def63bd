"""``glassnet check FILE.py|FILE.ipynb``: will this Keras code run on glassnet?  Read, never run.

Exit status 0 when every Keras name, argument and identifier the file uses exists in glassnet,
1 when something is missing (listed by line), 2 when the file cannot be read.
"""
from __future__ import annotations


def add_parser(sub):
    check = sub.add_parser("check", help="list the Keras names a script or notebook uses that glassnet lacks",
                           description="Read a Python script or a Jupyter notebook WITHOUT running it and list, "
                                       "by line, every Keras or tf.keras name, argument or string identifier it "
                                       "uses that glassnet lacks, with the glassnet equivalent where one exists. "
                                       "Exit status 0 when everything is supported.")
    check.add_argument("file", metavar="FILE", nargs="?", help="a .py script or an .ipynb notebook")
    check.add_argument("--json", action="store_true", help="print the report as JSON")
    check.add_argument("--list", action="store_true",
                       help="print the table of Keras names glassnet has (walked from its public API) and exit")
    return check


def run(args) -> int:
    import json

    from ..check import check_file, public_api
    from .common import CommandError

    if args.list:
        for keras_name, glassnet_name in sorted(public_api().items()):
            print(f"{keras_name}\t{glassnet_name}")
        return 0
    if args.file is None:
        raise CommandError("give FILE (a .py script or an .ipynb notebook), or --list")
    report = check_file(args.file)
    if args.json:
        print(json.dumps(report.to_dict(), indent=2))
    else:
        print(report)
    if report.errors and not report.used:
        return 2
    return 0 if report.supported else 1
