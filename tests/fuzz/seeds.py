#!/usr/bin/python3
"""Writes the seed corpora of the fuzz targets into tests/fuzz/corpus/{proto,catalog,csv,xlsx}/
and their libFuzzer dictionaries tests/fuzz/{proto,catalog,csv,xlsx}.dict.

The committed seeds are this script's output; run it again after changing it:
    /usr/bin/python3 tests/fuzz/seeds.py
Needs Debian's python3-msgpack. Messages follow proto/PROTOCOL.md (its examples first)."""
import math
import os
import struct
import sys

import msgpack

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.dirname(os.path.dirname(HERE))


def pack(obj):
    return msgpack.packb(obj, use_bin_type=True)


def write(kind, name, data):
    d = os.path.join(HERE, "corpus", kind)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())


def item(**kw):
    it = {"plan": "test-plan", "indicator": "urbanization", "period": "2024", "value": 57.1,
          "unit": "%", "status": "final"}
    it.update(kw)
    return {k: v for k, v in it.items() if v is not Ellipsis}


def req(type_, id_, **kw):
    m = {"v": 1, "type": type_, "id": id_}
    m.update(kw)
    return m


def proto_seeds():
    # PROTOCOL.md §3 annotated example (version 2: by region): 154 bytes; its v1 form (a
    # plan) was the example of version 1, 155 bytes.
    example = req("update", "tj-2026-10-001", dept="统计局", items=[{
        "region": "quangang", "indicator": "gdp", "period": "2025Q3", "value": 812.5,
        "unit": "亿元", "status": "flash", "yoy": 5.8}])
    b = pack(example)
    assert len(b) == 154, len(b)
    write("proto", "update-example-v2", b)
    example_v1 = req("update", "tj-2026-10-001", dept="统计局", items=[{
        "plan": "quangang-14", "indicator": "gdp", "period": "2026Q3", "value": 812.5,
        "unit": "亿元", "status": "flash", "yoy": 5.8}])
    b = pack(example_v1)
    assert len(b) == 155, len(b)
    write("proto", "update-example", b)
    example["detail"] = True
    b = pack(example)
    assert len(b) == 162, len(b)
    write("proto", "update-detail", b)
    ack_items = {"v": 1, "type": "ack", "id": "tj-2026-10-001", "count": 1, "changed": 1,
                 "seq": 42, "items": [{"index": 0, "region": "350505", "indicator": "gdp",
                                       "period": "2025Q3", "judged_by": ["quangang-14"]}]}
    b = pack(ack_items)
    assert len(b) == 132, len(b)
    write("proto", "ack-items", b)
    write("proto", "query-region", pack(req("query", "q-2", region="quangang", indicator="gdp")))
    write("proto", "history-region", pack(req("history", "h-2", region="350505", plan="quangang-14",
                                              indicator="gdp", period="2025Q3")))
    write("proto", "catalog-region", pack(req("catalog", "c-2", region="350500-qetdz")))
    write("proto", "update-region", pack(req("update", "r-1", dept="统计局", items=[
        item(plan=Ellipsis, region="quangang"), item(region="350505"),
        item(plan=Ellipsis, region="")])))
    write("proto", "update-batch", pack(req("update", "b-1", dept="统计局", backfill=True, items=[
        item(period="2021", value=55.9, reason=None, yoy=None),
        item(period="2022", value=56, reason="经普调整", yoy=1.5),
        item(indicator="gdp", period="2026-10", value=812, unit="亿元", status="revised"),
        item(indicator="gdp", period="2026-09", value=81200000000, unit="元", confirm=True),
        item(indicator="fdi_cumulative", period="2016-2020", value=3.75, unit="亿美元"),
    ])))
    # Replies and notices (the view path).
    write("proto", "ack-example", pack({"v": 1, "type": "ack", "id": "tj-2026-10-001",
                                        "count": 1, "changed": 1, "seq": 42}))
    write("proto", "nack-example", pack({
        "v": 1, "type": "nack", "id": "tj-2026-10-002", "code": 14, "error": "wrong_unit",
        "message": "unit differs from the catalog's unit for this indicator", "retry": False,
        "quarantine": 7, "items": [{"index": 0, "code": 14, "error": "wrong_unit"}]}))
    body = {"v": 1, "seq": 3, "topic": "breach.test-plan.urbanization", "time": 1767225600000,
            "plan": "test-plan", "indicator": "urbanization", "value": 50.0, "required": 59.0,
            "gap": -9.0, "state": "off_track", "rule_zh": "城镇化率", "rule_en": "level path"}
    write("proto", "since-result", pack({"v": 1, "type": "result", "id": "s-1", "last_seq": 3,
                                         "more": False,
                                         "items": [{"seq": 3, "topic": body["topic"],
                                                    "body": body}]}))
    write("proto", "rejected-result", pack({"v": 1, "type": "result", "id": "r-1", "items": [
        {"id": 7, "time": 1, "code": 14, "error": "wrong_unit", "raw": b"\x80\x01\x02",
         "detail": "item 0", "peer": "ipc", "dept": "统计局", "message": "x"}]}))
    # Every request type.
    write("proto", "query", pack(req("query", "q-1", plan="test-plan", indicator="gdp",
                                     **{"from": "2021Q1", "to": "2026Q4", "as_of": 1700000000000,
                                        "limit": 10})))
    write("proto", "history", pack(req("history", "h-1", plan="test-plan",
                                       indicator="urbanization", period="2022")))
    write("proto", "since", pack(req("since", "s-1", seq=0, limit=1000, prefix="breach.")))
    write("proto", "status", pack(req("status", "st-1")))
    write("proto", "alerts", pack(req("alerts", "a-1", plan="test-plan")))
    write("proto", "rejected", pack(req("rejected", "r-1", seq=0, limit=5, dept="统计局",
                                        time=-1)))
    write("proto", "retry", pack(req("retry", "rt-1", seq=7)))
    write("proto", "target_set", pack(req("target_set", "t-1", plan="test-plan",
                                          indicator="energy_intensity_cut", value=16,
                                          dept="发改局")))
    write("proto", "catalog", pack(req("catalog", "c-1")))
    write("proto", "clock_set", pack(req("clock_set", "cs-1", time=1767225600000)))
    write("proto", "tick", pack(req("tick", "tk-1")))
    write("proto", "backup", pack(req("backup", "bk-1", path="/tmp/planwatch-backup")))
    # Invalid ones: one per error class of PROTOCOL.md §6.
    write("proto", "bad-version", pack(req("status", "x", v=2)))
    write("proto", "bad-type", pack(req("launch", "x")))
    write("proto", "bad-unknown-key", pack(req("status", "x", colour="red")))
    write("proto", "bad-dup-key", b"\x84" + pack("v") + pack(1) + pack("type") + pack("status") +
          pack("id") + pack("x") + pack("id") + pack("y"))
    write("proto", "bad-trailing", pack(req("status", "x")) + b"\xc0")
    write("proto", "bad-huge-count", b"\xdd\xff\xff\xff\xff\x00")
    write("proto", "bad-deep", pack(req("update", "x", dept="d", items=[{"plan": [[1]]}])))
    write("proto", "bad-utf8", pack(req("update", "x", dept="\xff", items=[item()]))
          .replace("\xff".encode(), b"\xff\xfe"))
    write("proto", "bad-nan", pack(req("update", "x", dept="统计局",
                                       items=[item(value=math.nan), item(value=math.inf)])))
    write("proto", "bad-empty", pack(req("update", "x", dept="统计局", items=[])))
    write("proto", "bad-items", pack(req("update", "x", dept="统计局", items=[
        item(period="2024Q5"), item(status="draft"), item(unit=None), item(value="1"),
        item(value=Ellipsis), item(extra=1), item(yoy=math.nan), item(plan=""),
        item(reason="长" * 100), 7])))
    write("proto", "float32", b"\x86" + b"".join(pack(x) for x in (
        "v", 1, "type", "target_set", "id", "f", "plan", "test-plan", "indicator",
        "energy_intensity_cut", "value")) + b"\xca" + struct.pack(">f", 1.5))
    write("proto", "ext-bin", pack(req("status", "x", raw=msgpack.ExtType(5, b"abc"),
                                       blob=b"\x00\x01")))


def catalog_seeds():
    # Plans on the fuzzer's fixed region fz (fuzz_catalog.c: series a, annual 亿元; b, monthly
    # ytd %), a region file, and one file of the retired format 1 (refused by name).
    head = ("plan:\n  id: fz-14\n  region: fz\n  title: 规划\n  start_year: 2021\n"
            "  end_year: 2025\n  base_year: 2020\n  status: active\ntargets:\n")
    minimal = head + ("  - series: a\n    attribute: binding\n    kind: floor\n"
                      "    target: {year: 2025, value: 1}\n")
    write("catalog", "minimal.yaml", minimal)
    write("catalog", "full-target.yaml", head + (
        "  - series: a\n    name: 甲\n    unit: 万元\n    category: c\n"
        "    attribute: expected\n    kind: growth\n    direction: up\n"
        "    baseline: {year: 2020, value: 100}\n    target: {year: 2025, value: 140}\n"
        "    growth: 7\n    prose: yes\n    derived: [growth]\n    note: \"x\"\n"
        "    outcome: {value: 1, growth: 2, text: t}\n"
        "    source: {file: f.txt, line: 2}\n"
        "annual_targets:\n  - year: 2022\n    targets:\n"
        "      - {series: a, growth: 0.5, source: {file: g.txt, line: 3}}\n"
        "      - {series: a, value: 120, note: n, source: {file: g.txt, line: 4}}\n"))
    write("catalog", "anchors.yaml", minimal.replace("kind: floor", "kind: &k floor") +
          "  - series: b\n    kind: *k\n    direction: up\n"
          "    target: &t {year: 2025, value: 5}\n    source: {file: f.txt, line: 9}\n")
    write("catalog", "flow.yaml",
          '{"plan": {"id": "fz-14", "region": "fz", "title": "n", "start_year": 2021,'
          ' "end_year": 2025, "base_year": 2020, "status": "draft"},'
          ' "targets": [{"series": "b", "kind": "info"}]}\n')
    plan2 = ("plan:\n  id: fz-15\n  region: fz\n  title: 规划\n  start_year: 2026\n"
             "  end_year: 2030\n  base_year: 2025\n  status: active\ntargets:\n"
             "  - series: a\n    unit: 万元\n    attribute: binding\n    kind: growth\n"
             "    direction: up\n    baseline: {year: 2025, value: 100}\n"
             "    target: {year: 2030, value: 140}\n    growth: 7\n"
             "    source: {file: f.txt, line: 2}\n    outcome: {value: 1, text: t}\n"
             "  - series: b\n    kind: ceiling\n    direction: down\n"
             "    target: {year: 2030, value: 5}\n"
             "annual_targets:\n  - year: 2026\n    targets:\n"
             "      - {series: a, growth: 5, source: {file: g.txt, line: 3}}\n"
             "      - {series: b, value: 4, note: n}\n  - year: 2027\n    targets:\n"
             "      - {series: a, value: 120}\n")
    write("catalog", "plan2.yaml", plan2)
    write("catalog", "plan2-closed.yaml", plan2.replace("status: active", "status: closed"))
    write("catalog", "region2.yaml",
          "region:\n  id: \"350500-qetdz\"\n  alias: qetdz\n  name: 开发区\n"
          "  parent: {id: \"350500\", name: 泉州市}\nseries:\n"
          "  - id: gdp\n    name: 地区生产总值\n    name_en: GDP\n    category: c\n"
          "    unit: 亿元\n    frequency: quarterly\n    form: ytd\n"
          "    departments: [统计局]\n    bounds: {min: 0, max: 9}\n    due_days: 25\n"
          "    first_due: 2021Q1\n    derived: [bounds]\n")
    write("catalog", "region2-formula.yaml",
          "region:\n  id: \"350505\"\n  alias: quangang\n  name: 泉港区\nseries:\n"
          "  - id: gdp\n    name: g\n    name_en: g\n    category: c\n    unit: 亿元\n"
          "    frequency: quarterly\n    form: ytd\n    departments: [统计局]\n"
          "  - id: rd\n    name: r\n    name_en: r\n    category: c\n    unit: 万元\n"
          "    frequency: annual\n    form: level\n    departments: [科技局]\n"
          "  - id: pop\n    name: p\n    name_en: p\n    category: c\n    unit: 万人\n"
          "    frequency: annual\n    form: level\n    departments: [统计局]\n"
          "  - id: rd_share\n    name: s\n    name_en: s\n    category: c\n    unit: \"%\"\n"
          "    frequency: annual\n    form: level\n    departments: [统计局]\n"
          "    formula: \"share(rd, gdp)\"\n"
          "  - id: gdp_pc\n    name: q\n    name_en: q\n    category: c\n    unit: 万元\n"
          "    frequency: annual\n    form: level\n    departments: [统计局]\n"
          "    formula: \"per_capita(gdp, pop)\"\n"
          "  - id: total\n    name: t\n    name_en: t\n    category: c\n    unit: 亿元\n"
          "    frequency: annual\n    form: level\n    departments: [统计局]\n"
          "    formula: \"sum(gdp, rd)\"\n")
    write("catalog", "format1.yaml",
          "plan:\n  id: p\n  name: 规划\n  baseline_year: 2020\n  target_year: 2025\n"
          "indicators:\n  - id: a\n    name: 甲\n    name_en: A\n    category: c\n"
          "    unit: '%'\n    attribute: binding\n    kind: floor\n"
          "    target: {year: 2025, value: 1}\n    departments: [统计局]\n"
          "    source: {file: f.txt, line: 1}\n")
    write("catalog", "bad-unknown-key.yaml", head + "  - series: a\n    colour: red\n")
    write("catalog", "bad-dup-target.yaml", minimal + minimal[minimal.index("  - series: a"):])
    write("catalog", "bad-years.yaml", minimal.replace("end_year: 2025", "end_year: 2020"))
    write("catalog", "bad-number.yaml", minimal.replace("value: 1}", "value: .nan}"))
    write("catalog", "bad-syntax.yaml", "plan: [\n  id: x\n")
    write("catalog", "bad-tabs.yaml", "plan:\n\tid: x\n")
    write("catalog", "empty.yaml", "")


def csv_seeds():
    hdr = "plan,indicator,period,value,unit,status,dept,yoy,reason,source\n"
    good = (hdr +
            "test-plan,urbanization,2021,55.9,%,final,统计局,,,seed:1\n"
            "test-plan,urbanization,2022,56.4,%,final,统计局,,,seed:2\n"
            "test-plan,urbanization,2023,56.8,万元,final,统计局,,,seed:3\n"
            "test-plan,unemployment,2023,1.8,%,final,人社局,,\"年报, 修订\",seed:4\n")
    write("csv", "cli-import.csv", good)
    write("csv", "bom-crlf.csv", ("\ufeff" + good).replace("\n", "\r\n"))
    write("csv", "multiline.csv", hdr + 'test-plan,gdp,2026Q3,812.5,亿元,flash,统计局,5.8,'
          '"第一行\n第二行 ""引号""",src\n\n,,,,,,,,,\n'
          'test-plan,gdp,2026-10,900,亿元,preliminary,统计局,,,\n'
          'test-plan,fdi_cumulative,2016—2020年,3.75,亿美元,final,商务局,,,\n')
    write("csv", "header-only.csv", hdr)
    write("csv", "bad-header.csv", hdr.replace("dept", "department") + good[len(hdr):])
    write("csv", "bad-count.csv", hdr + "test-plan,gdp,2026Q3,812.5,亿元,flash,统计局,5.8,年报, 修订,s\n")
    write("csv", "bad-quote.csv", hdr + 'test-plan,gdp,2026Q3,812.5,亿元,flash,统计局,5.8,年报"修订",s\n')
    write("csv", "bad-unclosed.csv", hdr + 'test-plan,gdp,2026Q3,812.5,亿元,flash,统计局,5.8,"x,s\n')
    write("csv", "bad-gbk.csv", (hdr + "test-plan,gdp,2026Q3,812.5,亿元,flash,统计局,,,\n")
          .encode("gb18030"))
    write("csv", "bad-utf16.csv", ("\ufeff" + hdr).encode("utf-16-le"))
    write("csv", "cr-only.csv", good.replace("\n", "\r"))
    # Chinese headers in another order, Chinese periods (each form of period_parse_text)
    # and statuses.
    zh = ("指标名称,报送单位,指标代码,规划,期别,数值,单位,数据状态,同比,说明,来源\n"
          "地区生产总值,统计局,gdp,test-plan,2026年前三季度,812.5,亿元,快报,5.8,,s\n"
          "地区生产总值,统计局,gdp,test-plan,2026年第三季度,812.5,亿元,初步核算,,,\n"
          "地区生产总值,统计局,gdp,test-plan,2026年上半年,600,亿元,初步核实,,,\n"
          "一般公共预算收入,财政局,fiscal_revenue,test-plan,2026年1-10月,20.5,亿元,快报,,,\n"
          "一般公共预算收入,财政局,fiscal_revenue,test-plan,2026年1—2月,4.1,亿元,预计数,,,\n"
          "一般公共预算收入,财政局,fiscal_revenue,test-plan,2026年十月份,2,亿元,调整数,,,\n"
          "城镇化率,统计局,urbanization,test-plan,2025年全年,57.6,%,最终核实,,,\n"
          "城镇化率,统计局,urbanization,test-plan,2025年,57.6,%,修订数,,,\n")
    write("csv", "zh-headers.csv", zh)


NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
NS_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
WORKBOOK = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<workbook xmlns="%s" xmlns:r="%s"><sheets><sheet name="报送" sheetId="1" r:id="rId1"/>'
            '</sheets></workbook>' % (NS_MAIN, NS_R))
RELS = ('<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="%s/worksheet" Target="worksheets/sheet1.xml"/>'
        '<Relationship Id="rId2" Type="%s/sharedStrings" Target="sharedStrings.xml"/>'
        '<Relationship Id="rId3" Type="%s/styles" Target="styles.xml"/>'
        '</Relationships>' % (NS_R, NS_R, NS_R))
STYLES = ('<styleSheet xmlns="%s"><numFmts count="1"><numFmt numFmtId="164" formatCode="0.0%%"/>'
          '</numFmts><cellXfs count="3"><xf numFmtId="0"/><xf numFmtId="10"/><xf numFmtId="164"/>'
          '</cellXfs></styleSheet>' % NS_MAIN)


def sheet_xml(rows):
    """A worksheet of rows (lists of str/float/None): strings inline, numbers as <v>."""
    out = ['<worksheet xmlns="%s"><sheetData>' % NS_MAIN]
    for r, row in enumerate(rows, 1):
        out.append('<row r="%d">' % r)
        for c, v in enumerate(row):
            ref = "%s%d" % ("ABCDEFGHIJKLMNOPQRSTUVWXYZ"[c], r)
            if v is None:
                continue
            if isinstance(v, str):
                out.append('<c r="%s" t="inlineStr"><is><t>%s</t></is></c>' % (ref, v))
            else:
                out.append('<c r="%s"><v>%r</v></c>' % (ref, v))
        out.append('</row>')
    out.append('</sheetData></worksheet>')
    return "".join(out)


def xlsx(parts):
    """A deflated .xlsx (a ZIP) of {name: text}, byte for byte the same on every run."""
    import io
    import zipfile
    b = io.BytesIO()
    with zipfile.ZipFile(b, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in parts.items():
            z.writestr(zipfile.ZipInfo(name, (2026, 1, 1, 0, 0, 0)), text.encode(),
                       zipfile.ZIP_DEFLATED)
    return b.getvalue()


def xlsx_seeds():
    rows = [["指标代码", "指标名称", "规划", "期别", "数值", "单位", "数据状态", "报送单位", "同比"],
            ["gdp", "地区生产总值", "test-plan", "2026年1-3季度", 812.5, "亿元", "快报", "统计局", 5.8],
            ["fiscal_revenue", None, "test-plan", "2026年1-10月", "20.5", "亿元", "初步核算", "财政局"]]
    sst = ('<sst xmlns="%s"><si><t>plan</t></si><si><r><t>地区</t></r><r><t>生产总值</t></r>'
           '<rPh><t>x</t></rPh></si></sst>' % NS_MAIN)
    sheet = sheet_xml(rows)
    typed = ('<worksheet xmlns="%s"><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c>'
             '<c r="C1" t="s"><v>1</v></c><c r="D1" t="str"><f>A1</f><v>plan</v></c>'
             '<c r="E1" t="b"><v>1</v></c><c r="F1" t="e"><v>#N/A</v></c>'
             '<c r="G1" t="d"><v>2026-10-31</v></c><c r="H1"><f>1+1</f></c>'
             '<c r="I1" s="1"><v>0.058</v></c><c r="J1" s="2"><v>0.571</v></c></row>'
             '<row r="5"><c r="XFD5"><v>1.5E-3</v></c></row></sheetData></worksheet>' % NS_MAIN)
    full = {"[Content_Types].xml": "<Types/>", "xl/workbook.xml": WORKBOOK,
            "xl/_rels/workbook.xml.rels": RELS, "xl/sharedStrings.xml": sst,
            "xl/worksheets/sheet1.xml": sheet, "xl/styles.xml": STYLES}
    write("xlsx", "dept-sheet.xlsx", xlsx(full))
    write("xlsx", "typed-cells.xlsx", xlsx(dict(full, **{"xl/worksheets/sheet1.xml": typed})))
    write("xlsx", "no-workbook.xlsx", xlsx({"xl/worksheets/sheet1.xml": sheet}))
    # The NUL-separated form the target stores into a ZIP itself: workbook, rels, strings,
    # sheet, styles.
    def split(*parts):
        return "\0".join(parts).encode()
    write("xlsx", "split-dept.txt", split(WORKBOOK, RELS, sst, sheet, STYLES))
    write("xlsx", "split-typed.txt", split(WORKBOOK, RELS, sst, typed, STYLES))
    write("xlsx", "split-doctype.txt",
          split(WORKBOOK, RELS, '<!DOCTYPE s [<!ENTITY a "aaaa">]><sst><si><t>&a;</t></si></sst>',
                sheet))
    write("xlsx", "split-bad-ref.txt",
          split(WORKBOOK, RELS, sst, typed.replace('r="C1"', 'r="A9"')))


def xlsx_dict():
    words = ["<row", "</row>", "<c ", "</c>", "<v>", "</v>", "<is>", "<t>", "</t>", "<si>",
             "</si>", "<rPh>", "<f>", " r=\"", " t=\"s\"", " t=\"str\"", " t=\"inlineStr\"",
             " t=\"b\"", " t=\"e\"", " t=\"d\"", "<sheetData>", "<sheet name=\"",
             " r:id=\"rId1\"", "<Relationship Id=\"", " Target=\"", "sharedStrings",
             "worksheets/", "../", "&amp;", "<!DOCTYPE", "<!ENTITY", "XFD1048576", "A1",
             "1048576", "2026年1-10月", "2026年前三季度", "快报", "指标代码", "数值",
             "<numFmt numFmtId=\"", " formatCode=\"0.0%\"", "<cellXfs>", "<xf numFmtId=\"",
             " s=\"1\"", "/styles"]
    write_dict("xlsx.dict", "xlsx (OOXML) fragments",
               [("x%d" % i, w.encode()) for i, w in enumerate(words)])


def esc(b):
    return "".join(chr(c) if 32 <= c < 127 and chr(c) not in '"\\' else "\\x%02x" % c for c in b)


def write_dict(name, comment, entries):
    lines = ["# " + comment + " (written by seeds.py)"]
    lines += ['%s="%s"' % (k, esc(b)) for k, b in entries]
    with open(os.path.join(HERE, name), "w") as f:
        f.write("\n".join(lines) + "\n")


def dicts():
    keys = ["v", "type", "id", "dept", "items", "backfill", "plan", "indicator", "period", "value",
            "unit", "status", "yoy", "reason", "from", "to", "as_of", "limit", "seq", "prefix",
            "time", "path", "body", "topic", "more", "raw", "count", "code", "confirm"]
    vals = ["update", "query", "history", "since", "status", "alerts", "rejected", "retry",
            "target_set", "catalog", "clock_set", "tick", "backup", "ack", "nack", "result",
            "estimate", "flash", "preliminary", "final", "revised", "2025", "2026Q3", "2026-10", "2016-2020",
            "test-plan", "gdp", "%", "亿元", "统计局", "region", "detail", "judged_by", "alias",
            "quangang", "350505"]
    raw = [b"\x83\xa1v\x01", b"\x85\xa1v\x01", b"\xcb\x7f\xf8\x00\x00\x00\x00\x00\x00",
           b"\xcb\x7f\xf0\x00\x00\x00\x00\x00\x00", b"\xc0", b"\xc3", b"\xc2", b"\xdc\x00\x10",
           b"\xde\x00\x10", b"\xca\x3f\xc0\x00\x00", b"\xcf\xff\xff\xff\xff\xff\xff\xff\xff",
           b"\xd3\x80\x00\x00\x00\x00\x00\x00\x00", b"\xd9\x40", b"\xc4\x03", b"\xd4\x01\x00"]
    write_dict("proto.dict", "msgpack fragments of PROTOCOL.md v2",
               [("s%d" % i, pack(k)) for i, k in enumerate(keys + vals)] +
               [("b%d" % i, b) for i, b in enumerate(raw)])
    ykeys = ["plan", "region", "series", "targets", "id", "alias", "name", "name_en", "title",
             "title_en", "parent", "source", "start_year", "end_year", "base_year", "status",
             "category", "unit", "attribute", "kind", "direction", "baseline", "target",
             "growth", "frequency", "form", "departments", "bounds", "due_days", "first_due",
             "prose", "derived", "note", "outcome", "text", "annual_targets", "year", "value",
             "file", "line", "min", "max", "indicators",
             "formula"]
    yvals = ["expected", "binding", "growth", "level", "ceiling", "floor", "keep", "city",
             "cumulative", "info", "up", "down", "annual", "quarterly", "monthly", "ytd", "true",
             "no", "2020", "2025", "2021Q1", "fz", "350599", "draft", "active", "closed", ".inf", ".nan", "~", "&a", "*a", "!!str", "---", "...", "- ",
             "{", "}", "[", "]", ": ", '"', "'", "|", "%YAML 1.1", "%TAG ! tag:", "?", "#",
             "share(", "ratio(", "per_capita(", "sum(", ", ", ")"]
    write_dict("catalog.dict", "catalog YAML keys and values (catalog/SCHEMA.md), YAML syntax",
               [("k%d" % i, (k + ": ").encode()) for i, k in enumerate(ykeys)] +
               [("v%d" % i, k.encode()) for i, k in enumerate(yvals)])
    cvals = [b"plan,indicator,period,value,unit,status,dept,yoy,reason,source", b"\r\n", b'""',
             b'","', b",,", b"\xef\xbb\xbf", b"\xff\xfe", "统计局".encode(), b"2026Q3", b"final",
             b'"\n', b"\r"]
    write_dict("csv.dict", "import CSV fragments", [("c%d" % i, b) for i, b in enumerate(cvals)])


def main():
    dicts()
    proto_seeds()
    catalog_seeds()
    csv_seeds()
    xlsx_seeds()
    xlsx_dict()
    return 0


if __name__ == "__main__":
    sys.exit(main())
