using System.Text;
using System.Text.Json;
using System.Text.Unicode;
using Choria.Protocol.Filters;
using Choria.Protocol.Messages;

namespace Choria.Protocol.Tests;

/// <summary>
/// A server reads the inner request with a forward scan (ADR 0004): it must take the requests real peers send, build
/// exactly the request the document path builds, and leave everything else to that path, which accepts or explains it.
/// </summary>
public class RequestScanTests
{
    // Every filter kind, escapes in values, raw non-ASCII text, and a Ruby-style unknown filter key.
    private const string Valid =
        "{\"protocol\":\"choria:request:1\",\"message\":\"{\\\"agent\\\":\\\"rpcutil\\\",\\\"data\\\":{\\\"q\\\":\\\"\\u00e9\\\\n\\\"}}\","
        + "\"envelope\":{\"requestid\":\"a2f0ca717c694f2086cfa81b6c494648\",\"senderid\":\"client.example.net\",\"callerid\":\"choria=rip.mcollective\","
        + "\"collective\":\"mcollective\",\"agent\":\"rpcutil\",\"ttl\":60,\"time\":1578000000,"
        + "\"filter\":{\"fact\":[{\"fact\":\"country\",\"operator\":\"==\",\"value\":\"mt\"},{\"fact\":\"os.name\",\"operator\":\"=~\",\"value\":\"/r\\u00e9d/\"}],"
        + "\"cf_class\":[\"apache\",\"ntp::server\"],\"agent\":[\"rpcutil\"],\"identity\":[\"/node\\\\d/\",\"日本\"],"
        + "\"compound\":[[{\"statement\":\"a=b\"},{\"and\":\"and\"},{\"expr\":\"uptime \\u003e 100\"}],[]],\"collective\":\"mcollective\"}}}";

    public static TheoryData<string> InnerRequests()
    {
        var data = new TheoryData<string>();
        foreach (var path in Directory.GetFiles(TestPaths.Fixture("wire"), "*.bin").Order(StringComparer.Ordinal))
        {
            if (Inner(File.ReadAllBytes(path)) is not null)
            {
                data.Add(Path.GetFileNameWithoutExtension(path));
            }
        }

        return data;
    }

    [Fact]
    public void There_are_request_captures() => Assert.NotEmpty(InnerRequests());

    [Theory]
    [MemberData(nameof(InnerRequests))]
    public void Real_requests_are_scanned_like_the_document_path(string name) =>
        AssertScanned(Inner(File.ReadAllBytes(TestPaths.Fixture("wire", name + ".bin")))!);

    [Fact]
    public void The_reference_requests_are_scanned_like_the_document_path()
    {
        AssertScanned(TestPaths.MessageBytes("v1_request.json"));
        foreach (var name in new[] { "v1_secure_request.json", "v1_secure_request_privileged.json", "v1_secure_request_insecure.json" })
        {
            Assert.True(SecureRequest.TryParse(TestPaths.MessageBytes(name), out var secure, out var error), error?.Message);
            AssertScanned(Encoding.UTF8.GetBytes(secure.Message));
        }
    }

    [Theory]
    [InlineData("", "")]
    [InlineData("[{\"fact\":\"country\",\"operator\":\"==\",\"value\":\"mt\"},{\"fact\":\"os.name\",\"operator\":\"=~\",\"value\":\"/r\\u00e9d/\"}]", "[]")]
    [InlineData("\"cf_class\":[\"apache\",\"ntp::server\"]", "\"cf_class\":[]")]
    [InlineData("\"identity\":[\"/node\\\\d/\",\"日本\"]", "\"identity\":[]")]
    [InlineData("[[{\"statement\":\"a=b\"},{\"and\":\"and\"},{\"expr\":\"uptime \\u003e 100\"}],[]]", "[]")]
    [InlineData("\"agent\":[\"rpcutil\"],", "")]
    [InlineData(",\"collective\":\"mcollective\"}", "}")]
    [InlineData("\"operator\":\"==\"", "\"operator\":\"!=\"")]
    [InlineData("\"operator\":\"==\"", "\"operator\":\"<\"")]
    [InlineData("\"operator\":\"==\"", "\"operator\":\">\"")]
    [InlineData("\"operator\":\"==\"", "\"operator\":\"<=\"")]
    [InlineData("\"operator\":\"==\"", "\"operator\":\"\\u003e=\"")]
    [InlineData("\"value\":\"mt\"", "\"value\":\"mt\",\"extra\":[1,{\"a\":null}]")]
    [InlineData("\"ttl\":60", "\"ttl\":30")]
    [InlineData("\"ttl\":60", "\"ttl\":9223372036854775807")]
    [InlineData("\"time\":1578000000", "\"time\":-1")]
    [InlineData("\"time\":1578000000", "\"time\":0,\"extra\":{\"deep\":[[[{\"x\":1.5e3}]]]}")]
    [InlineData("\"senderid\":\"client.example.net\"", "\"senderid\":\"\"")]
    [InlineData("\"callerid\":\"choria=rip.mcollective\"", "\"callerid\":\"choria=\\u0072ip.\\ud83d\\ude00\"")]
    [InlineData("\"requestid\":\"a2f0ca717c694f2086cfa81b6c494648\"", "\"requestid\":\"a2f0ca717c694f2086cfa81b6c49464\\u0038\"")]
    [InlineData("{\"protocol\":\"choria:request:1\",", "{\"extra\":\"x\",\"protocol\":\"choria:request:1\",")]
    [InlineData(",\"envelope\":{", ", \"envelope\" :\n\t{ ")]
    public void Valid_requests_in_the_common_shape_are_scanned(string find, string replace) => AssertScanned(Mutate(find, replace));

    [Fact]
    public void Members_in_any_order_are_scanned()
    {
        Assert.True(Request.TryParse(Encoding.UTF8.GetBytes(Valid), out var request, out var error), error?.Message);
        var envelope = request.Envelope;
        var json = "{\"envelope\":{\"filter\":" + JsonSerializer.Serialize(envelope.Filter, Json.ProtocolJson.Context.Filter)
            + $",\"time\":{envelope.Time},\"ttl\":{envelope.Ttl},\"agent\":\"{envelope.Agent}\",\"collective\":\"{envelope.Collective}\","
            + $"\"callerid\":\"{envelope.CallerId}\",\"senderid\":\"{envelope.SenderId}\",\"requestid\":\"{envelope.RequestId}\"}},"
            + "\"message\":\"m\",\"protocol\":\"choria:request:1\"}";
        AssertScanned(Encoding.UTF8.GetBytes(json));
    }

    [Theory]
    // Valid, but not the common shape: the document path reads them.
    [InlineData("\"ttl\":60", "\"t\\u0074l\":60")]
    [InlineData("\"ttl\":60", "\"ttl\":60,\"ttl\":61")]
    [InlineData("{\"protocol\":\"choria:request:1\",", "{\"protocol\":\"choria:request:1\",\"protocol\":\"choria:request:1\",")]
    [InlineData("\"value\":\"mt\"", "\"value\":\"mt\",\"value\":\"nz\"")]
    [InlineData("\"cf_class\":[", "\"cf_class\":[],\"cf_class\":[")]
    [InlineData("\"choria:request:1\"", "\"choria:request:\\u0031\"")]
    [InlineData("\"requestid\":\"a2f0ca717c694f2086cfa81b6c494648\"", "\"requestid\":\"a2f0ca717c694f2086cfa81b6c4946😀\"")]
    // Invalid: the scan declines and the document path gives the typed error.
    [InlineData("\"choria:request:1\"", "\"choria:request:2\"")]
    [InlineData("\"ttl\":60", "\"ttl\":29")]
    [InlineData("\"ttl\":60", "\"ttl\":-60")]
    [InlineData("\"ttl\":60", "\"ttl\":60.0")]
    [InlineData("\"ttl\":60", "\"ttl\":6e1")]
    [InlineData("\"ttl\":60", "\"ttl\":\"60\"")]
    [InlineData("\"ttl\":60", "\"ttl\":null")]
    [InlineData("\"ttl\":60", "\"ttl\":true")]
    [InlineData("\"ttl\":60", "\"ttl\":9223372036854775808")]
    [InlineData("\"ttl\":60,", "")]
    [InlineData("\"time\":1578000000", "\"time\":1578000000.5")]
    [InlineData("\"time\":1578000000", "\"time\":\"1578000000\"")]
    [InlineData("\"time\":1578000000", "\"time\":null")]
    [InlineData("\"time\":1578000000,", "")]
    [InlineData("\"a2f0ca717c694f2086cfa81b6c494648\"", "\"a2f0ca717c694f2086cfa81b6c49464\"")]
    [InlineData("\"a2f0ca717c694f2086cfa81b6c494648\"", "\"a2f0ca717c694f2086cfa81b6c4946488\"")]
    [InlineData("\"a2f0ca717c694f2086cfa81b6c494648\"", "12345678901234567890123456789012")]
    [InlineData("\"requestid\":\"a2f0ca717c694f2086cfa81b6c494648\",", "")]
    [InlineData("\"senderid\":\"client.example.net\",", "")]
    [InlineData("\"senderid\":\"client.example.net\"", "\"senderid\":null")]
    [InlineData("\"callerid\":\"choria=rip.mcollective\"", "\"callerid\":\"\"")]
    [InlineData("\"callerid\":\"choria=rip.mcollective\"", "\"callerid\":\"\\ud800\"")]
    [InlineData("\"callerid\":\"choria=rip.mcollective\"", "\"callerid\":\"x\\udc00y\"")]
    [InlineData("\"collective\":\"mcollective\",\"agent\"", "\"collective\":\"\",\"agent\"")]
    [InlineData("\"agent\":\"rpcutil\"", "\"agent\":\"\"")]
    [InlineData("\"agent\":\"rpcutil\"", "\"agent\":[\"rpcutil\"]")]
    [InlineData("{\"protocol\":\"choria:request:1\",", "{")]
    [InlineData(",\"message\":\"", ",\"message\":1,\"x\":\"")]
    [InlineData("\"message\":\"{", "\"message\":null,\"x\":\"{")]
    [InlineData("\"envelope\":{", "\"envelope\":[],\"x\":{")]
    [InlineData("\"filter\":{", "\"filter\":null,\"x\":{")]
    [InlineData("\"filter\":{", "\"filter\":\"\",\"x\":{")]
    [InlineData("\"fact\":[{", "\"fact\":null,\"x\":[{")]
    [InlineData("\"fact\":[{", "\"fact\":[1,{")]
    [InlineData("\"fact\":[{", "\"fact\":[null,{")]
    [InlineData("\"fact\":\"country\",", "")]
    [InlineData("\"fact\":\"country\"", "\"fact\":\"\"")]
    [InlineData("\"operator\":\"==\"", "\"operator\":\"=\"")]
    [InlineData("\"operator\":\"==\"", "\"operator\":1")]
    [InlineData("\"operator\":\"==\",", "")]
    [InlineData("\"value\":\"mt\"", "\"value\":\"\"")]
    [InlineData("\"cf_class\":[\"apache\",", "\"cf_class\":[1,")]
    [InlineData("\"cf_class\":[\"apache\",", "\"cf_class\":[null,")]
    [InlineData("\"cf_class\":[\"apache\",\"ntp::server\"],", "")]
    [InlineData("\"cf_class\":[\"apache\",\"ntp::server\"]", "\"cf_class\":\"apache\"")]
    [InlineData("\"agent\":[\"rpcutil\"],", "\"agent\":null,")]
    [InlineData("\"agent\":[\"rpcutil\"],", "\"agent\":[{}],")]
    [InlineData("\"identity\":[\"/node\\\\d/\",\"日本\"],", "")]
    [InlineData("\"identity\":[\"/node\\\\d/\",", "\"identity\":[\"\\ud83d\",")]
    [InlineData("\"compound\":[", "\"compound\":[[{\"x\":[\"\\ud800\"]}],")]
    [InlineData("{\"statement\":\"a=b\"}", "{\"statement\":\"\\ud800\"}")]
    [InlineData("{\"expr\":\"uptime \\u003e 100\"}", "{\"expr\":\"x\\udc00\"}")]
    [InlineData("{\"statement\":\"a=b\"}", "{\"fstatement\":{\"name\":\"f\",\"p\\ud800\":1}}")]
    [InlineData("\"compound\":[[", "\"compound\":[\"x\",[")]
    [InlineData("\"compound\":[[{\"statement\":\"a=b\"}", "\"compound\":[[\"a=b\"")]
    [InlineData("\"compound\":[[{\"statement\":\"a=b\"}", "\"compound\":[[null")]
    [InlineData("\"compound\":[[", "\"compound\":null,\"x\":[[")]
    [InlineData("}}}", "}}},")]
    [InlineData("}}}", "}}} {}")]
    [InlineData("}}}", "}}")]
    [InlineData("}}}", "}},}")]
    [InlineData("\"ttl\":60", "/* c */\"ttl\":60")]
    [InlineData("\"ttl\":60", "'ttl':60")]
    [InlineData("\"time\":1578000000", "\"time\":1578000000,\"deep\":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]")]
    public void Other_requests_are_left_to_the_document_path(string find, string replace)
    {
        var utf8 = Mutate(find, replace);
        Assert.False(RequestScan.TryScan(utf8, out _), "the scan took a request it should have left to the document path");
        AssertReadLikeDocument(utf8);
    }

    [Fact]
    public void A_compound_statement_with_text_no_string_can_hold_is_refused_by_both_paths()
    {
        // Such a statement used to be accepted unread and to throw later, in the filter's evaluation.
        var utf8 = Mutate("{\"statement\":\"a=b\"}", "{\"statement\":\"\\ud800\"}");
        Assert.False(RequestScan.TryScan(utf8, out _));
        Assert.False(Request.TryParse(utf8, out _, out var error));
        Assert.Equal(ProtocolErrorReason.WrongType, error.Reason);
        Assert.Contains("compound statements must hold valid text", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("[]")]
    [InlineData("\"choria:request:1\"")]
    [InlineData("null")]
    [InlineData("")]
    [InlineData(" ")]
    [InlineData("{}")]
    public void Other_documents_are_left_to_the_document_path(string json)
    {
        var utf8 = Encoding.UTF8.GetBytes(json);
        Assert.False(RequestScan.TryScan(utf8, out _));
        AssertReadLikeDocument(utf8);
    }

    [Fact]
    public void Invalid_utf8_in_an_ignored_member_is_left_to_the_document_path()
    {
        var utf8 = Mutate(",\"collective\":\"mcollective\"}", ",\"collective\":\"mcollectivx\"}");
        utf8[Array.LastIndexOf(utf8, (byte)'x')] = 0xff;
        Assert.False(RequestScan.TryScan(utf8, out _));
        AssertReadLikeDocument(utf8);
    }

    [Fact]
    public void Mutated_requests_are_read_like_the_document_path()
    {
        // Single-byte changes (one to three per copy) of a request with every filter kind and escape: each must give
        // the document path's request or error. A good share must still be scanned, or the comparison proves little.
        var valid = Encoding.UTF8.GetBytes(Valid);
        AssertScanned(valid);
        var random = new Random(2525);
        byte[] interesting = [.. "\"\\/{}[],: \tu0123456789.-+eEaAfFdDnlrt=<>~!\n"u8, 0x00, 0x1f, 0x7f, 0xc3, 0xa9, 0xed, 0xff];
        var scanned = 0;
        for (var i = 0; i < 5_000; i++)
        {
            var mutated = (byte[])valid.Clone();
            for (var changes = random.Next(1, 4); changes > 0; changes--)
            {
                mutated[random.Next(mutated.Length)] = interesting[random.Next(interesting.Length)];
            }

            if (AssertReadLikeDocument(mutated))
            {
                scanned++;
            }
        }

        Assert.InRange(scanned, 500, 5_000);
    }

    [Fact]
    public void The_server_decodes_a_request_with_the_scan()
    {
        var inner = Request.Create(new RequestSpec { Agent = "rpcutil", CallerId = "choria=rip.mcollective", Collective = "mcollective", Message = "cGluZw==", SenderId = "client" }, TimeProvider.System);
        var payload = TransportMessage.Create(SecureRequest.Create(inner.ToJson(), "c2ln", "PEM").ToJson(), new TransportHeaders { McSender = "client" }).ToUtf8Bytes();

        Assert.True(RequestScan.TryScan(inner.ToUtf8Bytes(), out _));
        Assert.True(ProtocolDecoder.TryDecodeRequest(payload, out var decoded, out var error), error?.Message);
        Assert.Equal(inner.ToUtf8Bytes(), decoded.Request.ToUtf8Bytes());
    }

    private static byte[] Mutate(string find, string replace)
    {
        Assert.Contains(find, Valid, StringComparison.Ordinal);
        var json = find.Length == 0 ? Valid : Valid.Replace(find, replace, StringComparison.Ordinal);
        return Encoding.UTF8.GetBytes(json);
    }

    private static void AssertScanned(byte[] utf8)
    {
        Assert.True(RequestScan.TryScan(utf8, out _), "the scan declined a request it should read");
        Assert.True(AssertReadLikeDocument(utf8));
    }

    /// <summary>
    /// The scan takes only what the document path accepts, building the same request, and the decoder's entry point
    /// (scan first) gives the document path's request or error. True when the scan took it.
    /// </summary>
    private static bool AssertReadLikeDocument(byte[] utf8)
    {
        var expectedOk = Request.TryParse(utf8, out var expected, out var expectedError);
        var scanned = RequestScan.TryScan(utf8, out var fast);
        if (scanned)
        {
            Assert.True(expectedOk, "the scan took a request the document path refuses: " + expectedError?.Message);
            AssertSame(expected!, fast!);
        }

        // The decoder reads the inner request from a signed request's message, which is always valid UTF-8; bytes
        // that are not never get this far (RequestDecodeTests).
        if (!Utf8.IsValid(utf8))
        {
            Assert.False(expectedOk);
            return scanned;
        }

        var signed = SignedRequest.From(SecureRequest.Create(Encoding.UTF8.GetString(utf8), "c2ln", "PEM"));
        Assert.Equal(utf8, signed.Message.ToArray());
        var ok = Request.TryParseSigned(signed, out var request, out var error);
        Assert.Equal(expectedOk, ok);
        Assert.Equal(expectedError?.Reason, error?.Reason);
        Assert.Equal(expectedError?.Message, error?.Message);
        if (ok)
        {
            AssertSame(expected!, request!);
        }

        return scanned;
    }

    // Record equality compares the filter's lists by reference, so they are compared item by item, compound statements
    // by their text. Not the serialized forms: a statement may hold a lone surrogate that both paths accept unread
    // and that the writer refuses.
    private static void AssertSame(Request expected, Request actual)
    {
        var filter = new Filter();
        Assert.Equal(expected with { Envelope = expected.Envelope with { Filter = filter } }, actual with { Envelope = actual.Envelope with { Filter = filter } });
        Filter want = expected.Envelope.Filter, got = actual.Envelope.Filter;
        Assert.Equal(want.Fact, got.Fact);
        Assert.Equal(want.CfClass, got.CfClass);
        Assert.Equal(want.Agent, got.Agent);
        Assert.Equal(want.Identity, got.Identity);
        Assert.Equal(
            want.Compound.Select(s => s.Select(e => e.GetRawText()).ToList()),
            got.Compound.Select(s => s.Select(e => e.GetRawText()).ToList()));
    }

    private static byte[]? Inner(byte[] transport)
    {
        if (!TransportMessage.TryParse(transport, out var parsed, out _) || !parsed.TryDecodeData(out var secureJson, out _)
            || !SecureRequest.TryParse(secureJson, out var secure, out _))
        {
            return null;
        }

        return Encoding.UTF8.GetBytes(secure.Message);
    }
}
