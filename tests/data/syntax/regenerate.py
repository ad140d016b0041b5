"""Regenerates the flow-syntax golden files from stock ovs-ofctl (run from anywhere):

    python tests/data/syntax/regenerate.py

flows.golden.json: for each line of flows.txt and each of OpenFlow10/13/15, the message name
and the ofp-print body stock `ovs-ofctl -O VERSION parse-flow LINE` prints, or its error.
errors.golden.json: for each line of errors.txt, the message after "ovs-ofctl: ".
"""
import json
import pathlib
import subprocess

HERE = pathlib.Path(__file__).parent
VERSIONS = ("OpenFlow10", "OpenFlow13", "OpenFlow15")


def corpus(name):
    lines = (HERE / name).read_text().splitlines()
    return [line for line in lines if line.strip() and not line.startswith("#")]


def stock_parse(flow, version):
    run = subprocess.run(["ovs-ofctl", "-O", version, "parse-flow", flow],
                         capture_output=True, text=True)
    if run.returncode:
        return {"error": run.stderr.strip().splitlines()[-1].removeprefix("ovs-ofctl: ")}
    last = run.stdout.rstrip("\n").splitlines()[-1]
    head, sep, body = last.partition("): ")
    if not sep or "FLOW_MOD" not in head:
        return {"undecodable": run.stdout}
    return {"message": head.split(" ")[0], "body": body}


def main():
    flows = [{"flow": flow, **{version: stock_parse(flow, version) for version in VERSIONS}}
             for flow in corpus("flows.txt")]
    (HERE / "flows.golden.json").write_text(json.dumps(flows, indent=1) + "\n")
    errors = [{"flow": flow, "error": stock_parse(flow, "OpenFlow10").get("error")}
              for flow in corpus("errors.txt")]
    (HERE / "errors.golden.json").write_text(json.dumps(errors, indent=1) + "\n")


if __name__ == "__main__":
    main()
