"""Malformed trace files are rejected with a message naming the file and the line."""

from __future__ import annotations

import re

import pytest

from scoutsim.traces.csvformat import read_trace_csv
from scoutsim.cli import main
from scoutsim.errors import UserError
from scoutsim.traces.importers import ImportOptions, import_trace

CASES = {
    "empty": ("", 1, "empty"),
    "wrong_columns": ("time,throughput\n0,1\n", 1, "columns"),
    "three_fields": ("time_s,mbps\n0,1\n1,2,3\n", 3, "fields"),
    "non_numeric": ("time_s,mbps\n0,1\n1,fast\n", 3, "not numeric"),
    "negative": ("time_s,mbps\n0,1\n1,2\n2,-0.5\n", 4, "negative"),
    "non_monotonic": ("time_s,mbps\n0,1\n2,2\n1,3\n", 4, "does not increase"),
    "repeated_time": ("time_s,mbps\n0,1\n0,2\n", 3, "does not increase"),
    "nan": ("time_s,mbps\n0,1\n1,nan\n", 3, "non-finite"),
    "header_only": ("time_s,mbps\n", 2, "no rows"),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_contract_csv_rejections_name_file_and_line(tmp_path, name):
    text, line, what = CASES[name]
    path = tmp_path / f"{name}.csv"
    path.write_text(text)
    with pytest.raises(UserError) as info:
        read_trace_csv(path)
    message = str(info.value)
    assert str(path) in message
    assert re.search(rf"\bline {line}\b", message), message
    assert what in message


def test_binary_file_is_a_user_error(tmp_path):
    path = tmp_path / "binary.csv"
    path.write_bytes(b"time_s,mbps\n0,1\n\xff\xfe\x00\x01")
    with pytest.raises(UserError, match="not a text CSV"):
        read_trace_csv(path)


@pytest.mark.parametrize("name", ["empty", "non_monotonic", "negative", "wrong_columns"])
def test_cli_inspect_exits_2_with_one_message(tmp_path, capsys, name):
    text, line, what = CASES[name]
    path = tmp_path / f"{name}.csv"
    path.write_text(text)
    assert main(["traces", "inspect", str(path), "--no-png"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("scoutsim: error: ") and str(path) in err and f"line {line}" in err
    assert "Traceback" not in err and len(err.splitlines()) == 1


IMPORTER_CASES = [
    ("pensieve", "0 5\n1 6\n0.5 7\n", {}, 3, "does not increase"),
    ("pensieve", "0 5\n1 -6\n", {}, 2, "negative"),
    ("pensieve", "0 5\n1 lots\n", {}, 2, "not numeric"),
    ("pensieve", "0 5 9\n", {}, 1, "fields"),
    ("lumos5g", "1.0\t5\n3.0\t6\n2.0\t7\n", {}, 3, "does not increase"),
    ("mahimahi", "0\n5\n3\n", {}, 3, "goes back"),
    ("mahimahi", "0\n1.5\n", {}, 2, "integer"),
    ("sabre", '[\n {"duration_ms": 1000, "bandwidth_kbps": 5000, "latency_ms": 20},\n'
              ' {"duration_ms": 1000, "bandwidth_kbps": -1, "latency_ms": 20}\n]', {}, 3, "negative"),
    ("sabre", '[{"duration_ms": 1000,\n "bandwidth_kbps": }]', {}, 2, "JSON"),
    ("umn", "_start,_end,Throughput\n0,1,5\n1,2,x\n", {}, 3, "not numeric"),
    ("umn", "_start,_end,Throughput\n0,1,5\n1,2,-3\n", {}, 3, "negative"),
    ("umn", "_start,_end,Throughput\n0,1,5\n0,1,3\n", {}, 3, "does not increase"),
    ("umn", "start,end,Throughput\n0,1,5\n", {}, 1, "missing column"),
    ("ucc", "Timestamp,DL_bitrate\n2019.12.14_10.16.30,5\n2019.12.14_10.16.29,6\n", {}, 3, "back"),
    ("ucc", "Timestamp,DL_bitrate\n2019.12.14_10.16.30,abc\n", {}, 2, "not numeric"),
    ("nuwins", "Run 1\n1,2,x\n", {}, 2, "not numeric"),
    ("nuwins", "Run 1\n1,2,-3\n", {}, 2, "negative"),
]


@pytest.mark.parametrize("fmt,text,opts,line,what", IMPORTER_CASES)
def test_importers_reject_bad_input_naming_file_and_line(tmp_path, fmt, text, opts, line, what):
    path = tmp_path / f"bad.{fmt}"
    path.write_text(text)
    with pytest.raises(UserError) as info:
        import_trace(fmt, path, ImportOptions(**opts))
    message = str(info.value)
    assert str(path) in message and re.search(rf"\bline {line}\b", message), message
    assert what in message


@pytest.mark.parametrize("fmt", ["pensieve", "lumos5g", "mahimahi", "sabre", "umn", "ucc", "nuwins"])
def test_importers_reject_empty_files(tmp_path, fmt):
    path = tmp_path / f"empty.{fmt}"
    path.write_text("")
    with pytest.raises(UserError) as info:
        import_trace(fmt, path)
    assert str(path) in str(info.value)
