"""Aliyun's RPC signature against the worked example of its documentation, and the adapters' requests
and push parsing (Dysmsapi SendSms, SmsUp, SmsReport; Dyvmsapi IvrCall, VoiceReport)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from urllib.parse import parse_qsl

import httpx
import pytest

from bidding.messaging.aliyun import (
    AliyunRpc,
    canonical_query,
    percent_encode,
    rpc_signature,
    string_to_sign,
)
from bidding.messaging.channels import DeliveryFailed
from bidding.messaging.inbound import PushInvalid
from bidding.messaging.sms import AliyunSms
from bidding.messaging.voice import AliyunVoice, menu_of

#: The example of help.aliyun.com "签名机制" (短信服务, document 101343): GET, testId/testSecret.
DOC_PARAMS = {
    "AccessKeyId": "testId",
    "Action": "SendSms",
    "Format": "XML",
    "OutId": "123",
    "PhoneNumbers": "15300000001",
    "RegionId": "cn-hangzhou",
    "SignName": "阿里云短信测试专用",
    "SignatureMethod": "HMAC-SHA1",
    "SignatureNonce": "45e25e9b-0a6f-4070-8c85-2956eda1b466",
    "SignatureVersion": "1.0",
    "TemplateCode": "SMS_71390007",
    "TemplateParam": '{"customer":"test"}',
    "Timestamp": "2017-07-12T02:42:19Z",
    "Version": "2017-05-25",
}


def test_the_documentation_example_signs_to_its_published_signature() -> None:
    assert canonical_query(DOC_PARAMS) == (
        "AccessKeyId=testId&Action=SendSms&Format=XML&OutId=123&PhoneNumbers=15300000001&RegionId=cn-hangzhou"
        "&SignName=%E9%98%BF%E9%87%8C%E4%BA%91%E7%9F%AD%E4%BF%A1%E6%B5%8B%E8%AF%95%E4%B8%93%E7%94%A8"
        "&SignatureMethod=HMAC-SHA1&SignatureNonce=45e25e9b-0a6f-4070-8c85-2956eda1b466&SignatureVersion=1.0"
        "&TemplateCode=SMS_71390007&TemplateParam=%7B%22customer%22%3A%22test%22%7D"
        "&Timestamp=2017-07-12T02%3A42%3A19Z&Version=2017-05-25"
    )
    assert string_to_sign("GET", DOC_PARAMS).startswith("GET&%2F&AccessKeyId%3DtestId%26Action%3DSendSms")
    assert rpc_signature("GET", DOC_PARAMS, "testSecret") == "zJDF+Lrzhj/ThnlvIToysFRq6t4="
    # The Signature parameter itself never takes part, and the method does.
    assert rpc_signature("GET", {**DOC_PARAMS, "Signature": "x"}, "testSecret") == "zJDF+Lrzhj/ThnlvIToysFRq6t4="
    assert rpc_signature("POST", DOC_PARAMS, "testSecret") != "zJDF+Lrzhj/ThnlvIToysFRq6t4="


def test_percent_encoding_is_rfc_3986_not_form_encoding() -> None:
    assert percent_encode("a b*c~d+e/f") == "a%20b%2Ac~d%2Be%2Ff"
    assert percent_encode("-_.~AZaz09") == "-_.~AZaz09"
    assert percent_encode("中") == "%E4%B8%AD"


class Recorder:
    """An httpx transport that keeps the request and answers like Dysmsapi (no network)."""

    def __init__(self, status: int = 200, answer: object | None = None) -> None:
        self.status = status
        self.answer = (
            {"Code": "OK", "Message": "OK", "BizId": "900619746936498440^0", "RequestId": "r"}
            if answer is None
            else answer
        )
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return httpx.Response(self.status, content=json.dumps(self.answer).encode())


@pytest.fixture
def recorder() -> Recorder:
    """The request the adapter would send, kept by httpx's MockTransport (no network): the unit tests
    check its bytes; the integration tests send them to the local fake provider over HTTP."""
    return Recorder()


def rpc(recorder: Recorder | None = None) -> AliyunRpc:
    return AliyunRpc(
        "https://dysmsapi.aliyuncs.com/",
        "testId",
        "testSecret",
        timeout=5,
        wall_clock=lambda: datetime(2017, 7, 12, 2, 42, 19, tzinfo=UTC),
        transport=httpx.MockTransport(recorder) if recorder is not None else None,
    )


async def test_send_sms_posts_a_signed_form_the_provider_can_check(recorder: Recorder) -> None:
    biz_id = await AliyunSms(rpc(recorder), "电子招投标平台").send_sms(
        "13800138000", "SMS_1", {"name": "张三", "minutes": "30"}, "ab12cd34ef56"
    )
    assert biz_id == "900619746936498440^0"
    (request,) = recorder.requests
    assert request.method == "POST" and str(request.url) == "https://dysmsapi.aliyuncs.com/"
    params = dict(parse_qsl(request.content.decode(), keep_blank_values=True))
    assert params["Action"] == "SendSms" and params["Timestamp"] == "2017-07-12T02:42:19Z"
    assert params["PhoneNumbers"] == "13800138000" and params["SignName"] == "电子招投标平台"
    assert json.loads(params["TemplateParam"]) == {"name": "张三", "minutes": "30"}
    assert params["OutId"] == "ab12cd34ef56"
    signature = params.pop("Signature")
    assert signature == rpc_signature("POST", params, "testSecret")


@pytest.mark.parametrize(
    ("status", "code", "retryable"),
    [
        (200, "isv.MOBILE_NUMBER_ILLEGAL", False),
        (200, "isv.BUSINESS_LIMIT_CONTROL", True),
        (400, "SignatureDoesNotMatch", False),
        (400, "Throttling.User", True),
        (503, "ServiceUnavailable", True),
    ],
)
async def test_refusals_say_whether_a_later_attempt_may_pass(
    recorder: Recorder, status: int, code: str, retryable: bool
) -> None:
    recorder.status, recorder.answer = status, {"Code": code, "Message": "refused", "RequestId": "r"}
    with pytest.raises(DeliveryFailed) as failed:
        await AliyunSms(rpc(recorder), "平台").send_sms("13800138000", "SMS_1", {}, "x")
    assert failed.value.retryable is retryable and failed.value.provider_code == code
    assert code in failed.value.reason


async def test_an_answer_that_is_not_json_is_a_failure(recorder: Recorder) -> None:
    recorder.status, recorder.answer = 502, "<html>bad gateway</html>"
    with pytest.raises(DeliveryFailed) as failed:
        await AliyunSms(rpc(recorder), "平台").send_sms("13800138000", "SMS_1", {}, "x")
    assert failed.value.retryable


async def test_an_ivr_call_flattens_its_menu(recorder: Recorder) -> None:
    recorder.answer = {"Code": "OK", "CallId": "116012354148^10281378", "RequestId": "r"}
    menu = menu_of(
        "expert.invitation", {"1": "accept", "2": "decline", "接受": "accept"}, {"expert.invitation.accept": "TTS_9"}
    )
    call_id = await AliyunVoice(rpc(recorder), "057112345678").call(
        "13800138000", "TTS_1", {"name": "张三"}, menu, "ab12"
    )
    assert call_id == "116012354148^10281378"
    params = dict(parse_qsl(recorder.requests[0].content.decode()))
    assert params["Action"] == "IvrCall" and params["CalledShowNumber"] == "057112345678"
    assert params["StartCode"] == "TTS_1" and params["OutId"] == "ab12"
    assert (params["MenuKeyMap.1.Key"], params["MenuKeyMap.1.Code"]) == ("1", "TTS_9")
    assert params["MenuKeyMap.2.Key"] == "2" and "MenuKeyMap.2.Code" not in params
    assert "MenuKeyMap.3.Key" not in params  # 接受 is no key of a telephone


async def test_a_call_without_answers_is_a_plain_tts_call(recorder: Recorder) -> None:
    recorder.answer = {"Code": "OK", "CallId": "c1", "RequestId": "r"}
    await AliyunVoice(rpc(recorder), "057112345678").call("13800138000", "TTS_1", {}, [], "ab12")
    params = dict(parse_qsl(recorder.requests[0].content.decode()))
    assert params["Action"] == "SingleCallByTts" and params["TtsCode"] == "TTS_1"


def test_sms_pushes_are_read_in_beijing_time() -> None:
    sms = AliyunSms(rpc(), "平台")
    body = json.dumps(
        [
            {
                "phone_number": "13800138000",
                "send_time": "2026-01-02 08:00:00",
                "content": "１",
                "sign_name": "平台",
                "dest_code": "1234",
                "sequence_id": 1234567890,
            }
        ]
    ).encode()
    (reply,) = sms.replies(body)
    assert (reply.provider_ref, reply.sender, reply.content) == ("1234567890", "13800138000", "１")
    assert reply.sent_at == datetime(2026, 1, 2, 0, 0, tzinfo=UTC)
    report = json.dumps(
        [
            {
                "phone_number": "13800138000",
                "success": False,
                "err_code": "MK:0001",
                "err_msg": "关机",
                "biz_id": "9^0",
                "out_id": "ab",
            }
        ]
    ).encode()
    (r,) = sms.reports(report)
    assert (r.out_id, r.provider_message_id, r.delivered, r.detail) == ("ab", "9^0", False, "MK:0001 关机")


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"[" * 100_000,  # nested too deep for the json module
        b"{}",
        b"[1]",
        b'[{"sequence_id": 1}]',
        b'[{"sequence_id": 1, "content": "1", "phone_number": "12"}]',
    ],
)
def test_a_push_not_in_the_format_is_refused(body: bytes) -> None:
    with pytest.raises(PushInvalid):
        AliyunSms(rpc(), "平台").replies(body)


def test_a_voice_record_gives_its_report_and_its_keys() -> None:
    voice = AliyunVoice(rpc(), "057112345678")
    body = json.dumps(
        [
            {
                "call_id": "c1",
                "status_code": "200000",
                "status_msg": "用户听完语音",
                "out_id": "ab",
                "dtmf": "2",
                "callee": "13800138000",
                "end_time": "2026-01-02 08:00:05",
            },
            {
                "call_id": "c2",
                "status_code": "200003",
                "status_msg": "用户未接听",
                "out_id": "cd",
                "callee": "13900139000",
            },
        ]
    ).encode()
    reports, keys = voice.reports(body)
    assert [(r.provider_message_id, r.delivered) for r in reports] == [("c1", True), ("c2", False)]
    (key,) = keys
    assert (key.provider_ref, key.out_id, key.callee, key.keys) == ("c1", "ab", "13800138000", "2")
    with pytest.raises(PushInvalid, match="dtmf"):
        voice.reports(
            json.dumps([{"call_id": "c", "status_code": "300000", "dtmf": "1; DROP", "callee": "13800138000"}]).encode()
        )
