"""Bank statement adapters (issue 18): camt.053 / camt.052 of any version and the online-banking CSV
into one entry type; bad input is refused with the statement, entry and field named."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from bidding.deposits.entries import Direction, EntryStatus, StatementKind
from bidding.deposits.errors import (
    AmountInvalid,
    CurrencyRefused,
    FieldInvalid,
    FieldMissing,
    FormatUnknown,
    StatementInvalid,
    UnsafeXml,
)
from bidding.deposits.statements import parse_statement, parse_statements, sniff
from bidding.deposits.statements.camt_writer import write_camt
from bidding.deposits.statements.csv_bank import write_bank_csv
from tests.fixtures.deposits import COLLECTION, DAY, book, entry, statement

# A camt.053.001.02 statement as a bank sends it: bare Sts, Dbtr/Nm, an IBAN-less Chinese account.
CAMT053_V02 = """<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02">
 <BkToCstmrStmt>
  <GrpHdr><MsgId>MSG-1</MsgId><CreDtTm>2024-05-06T18:00:00+08:00</CreDtTm></GrpHdr>
  <Stmt>
   <Id>STMT-20240506</Id><ElctrncSeqNb>42</ElctrncSeqNb><CreDtTm>2024-05-06T18:00:00+08:00</CreDtTm>
   <Acct><Id><Othr><Id>6222 0202 0001 2345 678</Id></Othr></Id><Ccy>CNY</Ccy></Acct>
   <Bal><Tp><CdOrPrtry><Cd>PRCD</Cd></CdOrPrtry></Tp><Amt Ccy="CNY">1000.00</Amt>
        <CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2024-05-06</Dt></Dt></Bal>
   <Bal><Tp><CdOrPrtry><Cd>CLBD</Cd></CdOrPrtry></Tp><Amt Ccy="CNY">1500.5</Amt>
        <CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2024-05-06</Dt></Dt></Bal>
   <Ntry>
    <Amt Ccy="CNY">500.50</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts>
    <BookgDt><DtTm>2024-05-06T10:15:02</DtTm></BookgDt><ValDt><Dt>2024-05-06</Dt></ValDt>
    <AcctSvcrRef>BANKREF-1</AcctSvcrRef>
    <BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>RCDT</Cd><SubFmlyCd>DMCT</SubFmlyCd></Fmly></Domn></BkTxCd>
    <NtryDtls><TxDtls>
     <Refs><EndToEndId>NOTPROVIDED</EndToEndId></Refs>
     <RltdPties><Dbtr><Nm>福州示例建设有限公司</Nm></Dbtr>
      <DbtrAcct><Id><Othr><Id>1100-0000-0000-0000-01</Id></Othr></Id></DbtrAcct>
      <CdtrAcct><Id><Othr><Id>{virtual}</Id></Othr></Id></CdtrAcct></RltdPties>
     <RmtInf><Ustrd>投标保证金</Ustrd><Ustrd>第一标段</Ustrd></RmtInf>
    </TxDtls></NtryDtls>
   </Ntry>
   <Ntry>
    <Amt Ccy="CNY">7.00</Amt><CdtDbtInd>DBIT</CdtDbtInd><Sts>INFO</Sts>
    <BkTxCd><Prtry><Cd>FEE</Cd></Prtry></BkTxCd>
   </Ntry>
  </Stmt>
 </BkToCstmrStmt>
</Document>
"""


def v02() -> bytes:
    return CAMT053_V02.format(virtual=book().issue("lot-1", "b-1").number).encode()


def test_a_camt053_v02_statement_is_read_field_by_field() -> None:
    s = parse_statement(v02())
    assert (s.kind, s.statement_id, s.sequence, s.account) == (StatementKind.CAMT053, "STMT-20240506", 42, COLLECTION)
    assert (s.opening_fen, s.closing_fen) == (100_000, 150_050)  # PRCD stands for the opening balance
    first, info = s.entries
    assert first.amount_fen == 50_050 and first.direction is Direction.CREDIT and first.status is EntryStatus.BOOKED
    assert first.booked_at == datetime(2024, 5, 6, 10, 15, 2, tzinfo=timezone(timedelta(hours=8)))
    assert (first.booking_date, first.value_date) == (date(2024, 5, 6), date(2024, 5, 6))
    assert first.bank_ref == "BANKREF-1" and first.end_to_end_id is None  # NOTPROVIDED identifies nothing
    assert (first.payer_name, first.payer_account) == ("福州示例建设有限公司", "110000000000000001")
    assert first.addressed_account == book().issue("lot-1", "b-1").number
    assert first.remittance == "投标保证金 第一标段"
    assert first.booking_key() == ("ref", COLLECTION, "BANKREF-1", False)
    assert info.status is EntryStatus.INFO and info.direction is Direction.DEBIT and info.value_date == DAY


@pytest.mark.parametrize("version", ["001.02", "001.04", "001.06", "001.08", "001.10"])
def test_every_version_round_trips(version: str) -> None:
    entries = [
        entry(addressed_account=book().issue("lot-2", "b-3").number, remittance="投标 & <保证金>"),
        entry(index=2, bank_ref=None, end_to_end_id="E2", direction=Direction.DEBIT, amount_fen=1),
        entry(index=3, bank_ref="B3", reversal=True, reversal_of="B0001", direction=Direction.DEBIT),
    ]
    original = statement(entries)
    (back,) = parse_statements(write_camt([original], version=version))
    assert back.entries == original.entries
    assert (back.opening_fen, back.closing_fen) == (original.opening_fen, original.closing_fen)


def test_a_camt052_report_and_a_file_with_two_statements() -> None:
    report = statement([entry(status=EntryStatus.PENDING)], kind=StatementKind.CAMT052, closing_fen=None)
    data = write_camt([report], kind=StatementKind.CAMT052)
    assert sniff(data) == "camt.052"
    assert parse_statement(data).entries[0].status is EntryStatus.PENDING
    with pytest.raises(StatementInvalid, match=r"expected camt\.053"):
        parse_statement(data, "camt.053")
    two = write_camt([statement([entry()]), statement([entry(account="31050161393600001234")])])
    assert [s.account for s in parse_statements(two)] == [COLLECTION, "31050161393600001234"]
    with pytest.raises(StatementInvalid, match="expected one statement, the file has 2"):
        parse_statement(two)


@pytest.mark.parametrize("encoding", ["utf-8-sig", "gbk"])
def test_the_csv_export_round_trips_in_both_encodings(encoding: str) -> None:
    entries = [
        entry(addressed_account=book().issue("lot-1", "b-2").number, remittance="转账 投标保证金"),
        entry(index=2, bank_ref="B2", direction=Direction.DEBIT, amount_fen=123_456_78, end_to_end_id=None),
        entry(index=3, bank_ref="B3", reversal=True, reversal_of="B2", end_to_end_id=None, amount_fen=123_456_78),
    ]
    original = statement(entries, kind=StatementKind.CSV, opening_fen=-5)
    data = write_bank_csv(original, encoding=encoding)
    assert sniff(data) == "csv"
    back = parse_statement(data)
    assert back.entries == original.entries
    assert (back.opening_fen, back.closing_fen, back.sequence) == (-5, original.closing_fen, 1)


def test_a_bank_csv_with_aliases_and_balances_but_no_preamble_balances() -> None:
    text = (
        "账号,6222020200012345678\n"
        "交易日期,交易时间,收入金额,支出金额,账户余额,对方名称,对方帐号,用途,流水号,冲补标志\n"
        '20240506,101502,"1,000.00",,"2,000.00",某某工程集团,110000000000000002,保证金,X1,否\n'
        "2024/05/06,11:00:00,,0.50,1999.50,银行,,手续费,X2,\n"
    )
    s = parse_statement(text.encode("gbk"))
    assert (s.opening_fen, s.closing_fen) == (100_000, 199_950)  # from the first and last 余额
    assert [e.signed_fen for e in s.entries] == [100_000, -50]
    assert s.entries[0].booked_at == datetime(2024, 5, 6, 10, 15, 2, tzinfo=timezone(timedelta(hours=8)))
    assert s.statement_id.startswith("csv-") and s.sequence is None


HEADER = "账号：6222020200012345678\n交易日期,借方发生额,贷方发生额,交易流水号,币种,冲正标志\n"


@pytest.mark.parametrize(
    ("row", "error", "where"),
    [
        ("2024-05-06,1.00,2.00,X1,CNY,N", FieldInvalid, "row 1: exactly one of 借方发生额 and 贷方发生额"),
        ("2024-05-06,,1.005,X1,CNY,N", AmountInvalid, "row 1: 贷方发生额"),
        ("2024-13-06,,1.00,X1,CNY,N", FieldInvalid, "row 1: 交易日期"),
        ("2024-05-06,,1.00,,CNY,N", FieldMissing, "row 1: 交易流水号"),
        ("2024-05-06,,1.00,X1,USD,N", CurrencyRefused, "USD"),
        ("2024-05-06,,1.00,X1,CNY,maybe", FieldInvalid, "row 1: 冲正标志"),
    ],
)
def test_bad_csv_rows_are_named(row: str, error: type[Exception], where: str) -> None:
    with pytest.raises(error, match=where):
        parse_statement((HEADER + row + "\n").encode(), "csv")


def camt(ntry: str, *, head: str = "") -> bytes:
    return (
        f'<?xml version="1.0"?>{head}<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"><BkToCstmrStmt>'
        "<GrpHdr><MsgId>M</MsgId><CreDtTm>2024-05-06T18:00:00</CreDtTm></GrpHdr><Stmt><Id>S9</Id>"
        "<Acct><Id><Othr><Id>6222020200012345678</Id></Othr></Id></Acct>"
        '<Bal><Tp><CdOrPrtry><Cd>CLBD</Cd></CdOrPrtry></Tp><Amt Ccy="CNY">0</Amt><CdtDbtInd>CRDT</CdtDbtInd>'
        f"<Dt><Dt>2024-05-06</Dt></Dt></Bal>{ntry}</Stmt></BkToCstmrStmt></Document>"
    ).encode()


GOOD = (
    '<Ntry><Amt Ccy="CNY">{amount}</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts>'
    "<ValDt><Dt>2024-05-06</Dt></ValDt><AcctSvcrRef>R1</AcctSvcrRef></Ntry>"
)


@pytest.mark.parametrize(
    ("ntry", "error", "where"),
    [
        (GOOD.format(amount="1.005"), AmountInvalid, "statement S9, entry 1: Amt"),
        (GOOD.format(amount="-1.00"), AmountInvalid, "entry 1: Amt"),
        (GOOD.format(amount="1e3"), AmountInvalid, "entry 1: Amt"),
        (GOOD.format(amount="1.00") + GOOD.format(amount=""), FieldMissing, "entry 2: Amt is missing"),
        (GOOD.format(amount="1.00").replace("CNY", "EUR"), CurrencyRefused, "entry 1: currency EUR"),
        (GOOD.format(amount="1").replace("<CdtDbtInd>CRDT</CdtDbtInd>", ""), FieldMissing, "CdtDbtInd"),
        (GOOD.format(amount="1").replace("CRDT", "CRED"), FieldInvalid, "CdtDbtInd 'CRED'"),
        (GOOD.format(amount="1").replace("BOOK", "DONE"), FieldInvalid, "Sts 'DONE'"),
        (GOOD.format(amount="1").replace("2024-05-06", "06.05.2024"), FieldInvalid, "ValDt/Dt"),
        (GOOD.format(amount="1").replace("<AcctSvcrRef>R1</AcctSvcrRef>", ""), FieldMissing, "AcctSvcrRef or"),
    ],
)
def test_bad_camt_entries_are_named(ntry: str, error: type[Exception], where: str) -> None:
    with pytest.raises(error, match=where) as caught:
        parse_statement(camt(ntry))
    assert caught.value.details  # type: ignore[attr-defined]


def test_other_currencies_only_when_configured() -> None:
    data = camt(GOOD.format(amount="2.50").replace("CNY", "USD")).replace(b'"CNY"', b'"USD"')
    (s,) = parse_statements(data, currencies={"CNY", "USD"})
    assert (s.entries[0].amount_fen, s.entries[0].currency) == (250, "USD")


BILLION_LAUGHS = (
    '<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
    '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
)
XXE = '<!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>'


@pytest.mark.parametrize("head", [BILLION_LAUGHS, XXE, "<!DOCTYPE Document>"])
def test_doctype_and_entities_are_refused(head: str) -> None:
    data = camt(GOOD.format(amount="1").replace("R1", "&lol3;" if "lol" in head else "&x;"), head=head)
    with pytest.raises(UnsafeXml):
        parse_statement(data)
    with pytest.raises(UnsafeXml):
        parse_statement(data, "camt.053")
    utf16 = data.decode().replace('<?xml version="1.0"?>', "").encode("utf-16")
    with pytest.raises(UnsafeXml):
        parse_statement(utf16, "camt.053")


@pytest.mark.parametrize(
    ("data", "fmt", "error"),
    [
        (b"\x00\xff\xfe garbage \x89PNG", None, FormatUnknown),
        (b"\x00\xff\xfe garbage", "camt.053", StatementInvalid),
        (b"<Document><Stmt>", "camt.053", StatementInvalid),
        (
            b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.09"><CstmrCdtTrfInitn/></Document>',
            None,
            FormatUnknown,
        ),
        (b"<a/>", "camt.053", FormatUnknown),
        (b"just,some,csv\n1,2,3\n", "csv", FormatUnknown),
        (b"<data>\x7f\xc3\xb0Zy\r</data>", "csv", FormatUnknown),  # a bare \r once made csv.Error (a 500)
        (b"anything", "mt940", FormatUnknown),
    ],
)
def test_garbage_is_refused_clearly(data: bytes, fmt: str | None, error: type[Exception]) -> None:
    with pytest.raises(error):
        parse_statement(data, fmt)


def test_a_statement_without_account_or_id() -> None:
    data = camt("").replace(b"<Acct><Id><Othr><Id>6222020200012345678</Id></Othr></Id></Acct>", b"")
    with pytest.raises(FieldMissing, match="Acct/Id"):
        parse_statement(data)
    with pytest.raises(FieldMissing, match="no Id"):
        parse_statement(camt("").replace(b"<Id>S9</Id>", b""))
