using System.Text;
using Choria.Protocol.Messages;

namespace Choria.Protocol.Tests;

/// <summary>
/// The reader's fast path must take the messages real peers send, give exactly what the full path gives, and leave
/// every case it cannot read the same way to the full path.
/// </summary>
public class TransportReaderTests
{
    private const string Data = "\"data\":\"eyJhIjoxfQ==\"";

    public static TheoryData<string> Captures() => WireCaptureTests.Captures();

    [Theory]
    [MemberData(nameof(Captures))]
    public void Real_captures_are_scanned_and_read_like_the_document_parse(string name)
    {
        var payload = File.ReadAllBytes(TestPaths.Fixture("wire", name + ".bin"));
        AssertScannedLikeDocument(payload);
    }

    [Theory]
    [InlineData("{\"protocol\":\"choria:transport:1\"," + Data + "}")]
    [InlineData("{\"protocol\":\"choria:transport:1\"," + Data + ",\"headers\":null}")]
    [InlineData(" {\"headers\":{},\"x\":[{\"y\":[1,{}]}]," + Data + ",\"protocol\":\"choria:transport:1\"} \n")]
    [InlineData("{\"protocol\":\"choria:transport:1\",\"data\":\"eyJh\\nIjoxfQ==\",\"headers\":{\"mc_sender\":\"a\\\"b\\\\c\\/d\"}}")]
    [InlineData("{\"protocol\":\"choria:transport:1\"," + Data + ",\"headers\":{\"reply-to\":null,\"seen-by\":null,\"federation\":null}}")]
    [InlineData("{\"protocol\":\"choria:transport:1\"," + Data + ",\"headers\":{\"seen-by\":[],\"federation\":{\"target\":[]}}}")]
    [InlineData("{\"protocol\":\"choria:transport:1\"," + Data + ",\"headers\":{\"seen-by\":[[],[\"a\"],[\"a\",\"b\",\"c\",\"d\"]],\"federation\":{\"req\":\"r\",\"reply-to\":\"x\",\"target\":[\"t1\",\"t2\"],\"other\":1}}}")]
    [InlineData("{\"protocol\":\"choria:transport:1\"," + Data + ",\"headers\":{\"reply-to\":\"é 日本\",\"federation\":{\"target\":null,\"req\":null}}}")]
    public void Valid_transports_it_can_read_are_scanned(string json) => AssertScannedLikeDocument(Encoding.UTF8.GetBytes(json));

    [Theory]
    // Names and strings the scan would have to unescape like the document does, or decide between duplicates.
    [InlineData("{\"protocol\":\"choria:transport:1\"," + Data + ",\"headers\":{\"reply\\u002dto\":\"r\"}}")]
    [InlineData("{\"protocol\":\"choria:transport:1\"," + Data + ",\"headers\":{\"mc_sender\":\"\\u00e9\"}}")]
    [InlineData("{\"protocol\":\"choria:transport:1\",\"data\":\"eyJhIjoxfQ\\u003d\\u003d\"}")]
    [InlineData("{\"protocol\":\"choria:transport:1\"," + Data + ",\"headers\":{\"mc_sender\":\"a\",\"mc_sender\":\"b\"}}")]
    [InlineData("{\"protocol\":\"choria:transport:1\"," + Data + "," + Data + "}")]
    [InlineData("{\"protocol\":\"choria:transport:1\"," + Data + ",\"headers\":{},\"headers\":{\"mc_sender\":\"b\"}}")]
    // Invalid ones: the scan declines and the document parse gives the typed error.
    [InlineData("{\"protocol\":\"choria:transport:1\"," + Data + ",\"headers\":{\"seen-by\":[[1]]}}")]
    [InlineData("{\"protocol\":\"choria:transport:1\"," + Data + ",\"headers\":{\"federation\":{\"target\":\"t\"}}}")]
    [InlineData("{\"protocol\":\"choria:transport:1\"," + Data + ",\"headers\":[]}")]
    [InlineData("{\"protocol\":\"choria:transport:1\",\"data\":\"\"}")]
    [InlineData("{\"protocol\":\"choria:transport:2\"," + Data + "}")]
    [InlineData("{" + Data + "}")]
    [InlineData("{\"protocol\":\"choria:transport:1\"," + Data + "} {}")]
    [InlineData("{\"protocol\":\"choria:transport:1\"," + Data + ",}")]
    [InlineData("{\"protocol\":\"choria:transport:1\"," + Data + "")]
    public void Other_transports_are_left_to_the_document_parse(string json)
    {
        var payload = Encoding.UTF8.GetBytes(json);
        Assert.False(TransportReader.TryScan(payload, out _, out _));

        var ok = TransportMessage.TryParse(payload, out _, out var error);
        Assert.Equal(ok, TransportReader.TryReadRaw(payload, out _, out _, out var rawError));
        Assert.Equal(error?.Reason, rawError?.Reason);
        Assert.Equal(ok, TransportReader.TryReadHeaders(payload, out _, out var headersError));
        Assert.Equal(error?.Reason, headersError?.Reason);
    }

    [Fact]
    public void Invalid_utf8_in_a_header_is_left_to_the_document_parse()
    {
        var payload = Encoding.UTF8.GetBytes("{\"protocol\":\"choria:transport:1\"," + Data + ",\"headers\":{\"mc_sender\":\"xx\"}}");
        payload[Array.LastIndexOf(payload, (byte)'x')] = 0xff;
        Assert.False(TransportReader.TryScan(payload, out _, out _));
        Assert.False(TransportReader.TryReadRaw(payload, out _, out _, out var error));
        Assert.Equal(ProtocolErrorReason.InvalidJson, error.Reason);
        Assert.EndsWith("it is not valid UTF-8", error.Message, StringComparison.Ordinal);
    }

    internal static void AssertScannedLikeDocument(byte[] payload)
    {
        Assert.True(TransportReader.TryScan(payload, out var headers, out var range), "the fast path declined a transport it should read");
        var raw = payload.AsMemory()[range];
        Assert.True(TransportReader.TryReadRawDocument(payload, out var expectedHeaders, out var expectedRaw, out var error), error?.Message);
        Assert.Equal(Encoding.UTF8.GetString(expectedRaw.Span), Encoding.UTF8.GetString(raw.Span));
        AssertDecodedLikeDocument(payload);

        // Headers have no deep equality; their encoding, and null-versus-empty of each list, stand in for it.
        Assert.Equal(Encoding.UTF8.GetString(TransportMessage.ToUtf8Bytes(expectedRaw.Span, expectedHeaders!)), Encoding.UTF8.GetString(TransportMessage.ToUtf8Bytes(raw.Span, headers)));
        Assert.Equal(expectedHeaders!.SeenBy is null, headers.SeenBy is null);
        Assert.Equal(expectedHeaders.SeenBy ?? [], headers.SeenBy ?? []);
        Assert.Equal(expectedHeaders.Federation is null, headers.Federation is null);
        Assert.Equal(expectedHeaders.Federation?.Targets is null, headers.Federation?.Targets is null);
        Assert.Equal(expectedHeaders.Federation?.Targets ?? [], headers.Federation?.Targets ?? []);
        Assert.Equal((expectedHeaders.ReplyTo, expectedHeaders.McSender, expectedHeaders.Federation?.RequestId, expectedHeaders.Federation?.ReplyTo), (headers.ReplyTo, headers.McSender, headers.Federation?.RequestId, headers.Federation?.ReplyTo));
    }

    /// <summary>The decoding entry point (fast path first) gives what its full path gives: headers, bytes, or error.</summary>
    internal static void AssertDecodedLikeDocument(byte[] payload)
    {
        var ok = TransportReader.TryReadDecoded(payload, out var headers, out var secure, out var error);
        var expectedOk = TransportReader.TryReadDecodedDocument(payload, out var expectedHeaders, out var expectedSecure, out var expectedError);
        using (secure)
        using (expectedSecure)
        {
            Assert.Equal(expectedOk, ok);
            Assert.Equal(expectedError?.Reason, error?.Reason);
            Assert.Equal(expectedError?.Message, error?.Message);
            if (ok)
            {
                Assert.Equal(expectedSecure.Span.ToArray(), secure.Span.ToArray());
                Assert.Equal(Encoding.UTF8.GetString(TransportMessage.Encode(secure.Span, expectedHeaders!)), Encoding.UTF8.GetString(TransportMessage.Encode(secure.Span, headers!)));
            }
        }
    }
}
