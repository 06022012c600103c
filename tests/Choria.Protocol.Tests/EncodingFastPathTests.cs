using System.Text;
using System.Text.Json;
using Choria.Protocol.Json;
using Choria.Protocol.Messages;

namespace Choria.Protocol.Tests;

/// <summary>The hand-written encoders and the raw-data relay path must match the serializer's wire form.</summary>
public class EncodingFastPathTests
{
    private static readonly TransportHeaders s_fullHeaders = new()
    {
        ReplyTo = "mcollective.reply.x",
        McSender = "node<&>",
        SeenBy = [new SeenByHop("a", "b \"q\"", "c")],
        Federation = new FederationHeader { RequestId = "r", ReplyTo = "t", Targets = ["one", "two"] },
    };

    public static TheoryData<TransportHeaders> Headers() => new()
    {
        new TransportHeaders(),
        new TransportHeaders { ReplyTo = "", McSender = "", SeenBy = [], Federation = new FederationHeader { Targets = [] } },
        s_fullHeaders,
    };

    [Theory]
    [MemberData(nameof(Headers))]
    public void Transport_encoding_matches_the_serializer(TransportHeaders headers)
    {
        var message = TransportMessage.Create("{\"protocol\":\"x\",\"message\":\"é\"}", headers);
        var expected = JsonSerializer.SerializeToUtf8Bytes(message with { Headers = Compact(headers) }, ProtocolJson.Context.TransportMessage);
        Assert.Equal(Encoding.UTF8.GetString(expected), Encoding.UTF8.GetString(message.ToUtf8Bytes()));
    }

    // The wire form omits empty values; the serializer only omits nulls.
    private static TransportHeaders Compact(TransportHeaders headers) => new()
    {
        ReplyTo = string.IsNullOrEmpty(headers.ReplyTo) ? null : headers.ReplyTo,
        McSender = string.IsNullOrEmpty(headers.McSender) ? null : headers.McSender,
        SeenBy = headers.SeenBy is { Count: > 0 } ? headers.SeenBy : null,
        Federation = headers.Federation is { } f ? new FederationHeader
        {
            RequestId = string.IsNullOrEmpty(f.RequestId) ? null : f.RequestId,
            ReplyTo = string.IsNullOrEmpty(f.ReplyTo) ? null : f.ReplyTo,
            Targets = f.Targets is { Count: > 0 } ? f.Targets : null,
        } : null,
    };

    [Fact]
    public void Secure_and_reply_encodings_match_the_serializer()
    {
        var reply = Reply.Create(Request.NewRequestId(), "rpcutil", "node", "{\"a\":\"<é>\\n\"}", TimeProvider.System);
        Assert.Equal(JsonSerializer.SerializeToUtf8Bytes(reply, ProtocolJson.Context.Reply), reply.ToUtf8Bytes());
        var secureReply = SecureReply.Create(reply.ToUtf8Bytes());
        Assert.Equal(JsonSerializer.SerializeToUtf8Bytes(secureReply, ProtocolJson.Context.SecureReply), secureReply.ToUtf8Bytes());
        Assert.Equal(SecureReply.Create(reply.ToJson()), secureReply);
        Assert.True(secureReply.IsHashValid());
        var secureRequest = SecureRequest.Create("{\"x\":\"\u2028\"}", "sig", "-----BEGIN\nCERT-----\n");
        Assert.Equal(JsonSerializer.SerializeToUtf8Bytes(secureRequest, ProtocolJson.Context.SecureRequest), secureRequest.ToUtf8Bytes());
    }

    [Fact]
    public void Raw_relay_keeps_data_verbatim_and_rewrites_headers()
    {
        // Ruby breaks base64 lines with escaped newlines; the relay must not normalise them.
        var original = Encoding.UTF8.GetBytes("{\"protocol\":\"choria:transport:1\",\"data\":\"eyJh\\nIjoxfQ==\",\"headers\":{\"mc_sender\":\"x\"}}");
        Assert.True(TransportReader.TryReadRaw(original, out var headers, out var raw, out var error), error?.ToString());
        Assert.Equal("\"eyJh\\nIjoxfQ==\"", Encoding.UTF8.GetString(raw.Span));
        Assert.Equal("x", headers.McSender);

        var relayed = TransportMessage.ToUtf8Bytes(raw.Span, headers with { ReplyTo = "r" });
        Assert.Equal("{\"protocol\":\"choria:transport:1\",\"data\":\"eyJh\\nIjoxfQ==\",\"headers\":{\"reply-to\":\"r\",\"mc_sender\":\"x\"}}", Encoding.UTF8.GetString(relayed));
        Assert.True(TransportMessage.TryParse(relayed, out var parsed, out _));
        Assert.True(parsed.TryDecodeData(out var data, out _));
        Assert.Equal("{\"a\":1}", Encoding.UTF8.GetString(data));
    }

    [Theory]
    [InlineData("{\"a\":\"x+y/z\"}")]
    [InlineData("{\"protocol\":\"choria:secure:reply:1\",\"message\":\"<&>\\u00e9\"}")]
    [InlineData("{}")]
    public void Direct_encode_matches_the_data_string_form(string secureJson)
    {
        var bytes = Encoding.UTF8.GetBytes(secureJson);
        var headers = new TransportHeaders { McSender = "n1", SeenBy = [new SeenByHop("nats://a:4222", "n1", "nats://a:4222")], Federation = new FederationHeader { RequestId = "r", ReplyTo = "x.y" } };

        Assert.Equal(TransportMessage.Create(bytes, headers).ToUtf8Bytes(), TransportMessage.Encode(bytes, headers));
    }

    [Fact]
    public void Relay_writer_adds_one_hop_and_writes_what_the_array_form_returns()
    {
        var original = Encoding.UTF8.GetBytes("{\"protocol\":\"choria:transport:1\",\"data\":\"eyJhIjoxfQ==\",\"headers\":{\"mc_sender\":\"x\"}}");
        Assert.True(TransportReader.TryReadRaw(original, out var headers, out var raw, out _));
        using var relay = new TransportRelayWriter();
        var hop = new SeenByHop("nats://in:4222", "fb \"1\" (choria_nats_ingest:0)", "nats://out:4222");

        // Reusing the writer: a long message first, then shorter ones, with and without earlier hops.
        foreach (var rewritten in new[] { headers with { ReplyTo = new string('r', 300_000) }, headers, s_fullHeaders, headers with { SeenBy = [] } })
        {
            var expected = TransportMessage.ToUtf8Bytes(raw.Span, rewritten.WithSeenByHop(hop));
            Assert.Equal(Encoding.UTF8.GetString(expected), Encoding.UTF8.GetString(relay.Write(raw.Span, rewritten, hop).Span));
        }
    }

    [Theory]
    [InlineData("{\"protocol\":\"choria:transport:1\",\"headers\":{}}", ProtocolErrorReason.MissingField)]
    [InlineData("{\"protocol\":\"choria:transport:1\",\"data\":1}", ProtocolErrorReason.WrongType)]
    [InlineData("{\"protocol\":\"choria:transport:1\",\"data\":\"\"}", ProtocolErrorReason.ConstraintViolation)]
    [InlineData("{\"protocol\":\"other\",\"data\":\"eA==\"}", ProtocolErrorReason.UnknownProtocol)]
    [InlineData("[1]", ProtocolErrorReason.NotAnObject)]
    [InlineData("{\"protocol\":\"choria:transport:1\",\"data\":\"eA==\",\"headers\":{\"seen-by\":[1]}}", ProtocolErrorReason.WrongType)]
    public void Raw_parse_and_decoder_fast_path_reject_what_the_full_parse_rejects(string json, ProtocolErrorReason reason)
    {
        var bytes = Encoding.UTF8.GetBytes(json);
        Assert.False(TransportMessage.TryParse(bytes, out _, out var full));
        Assert.False(TransportReader.TryReadRaw(bytes, out _, out _, out var raw));
        Assert.False(TransportReader.TryReadDecoded(bytes, out _, out _, out var fast));
        Assert.Equal(reason, full.Reason);
        Assert.Equal(reason, raw.Reason);
        Assert.Equal(reason, fast.Reason);
    }

    [Theory]
    [InlineData("eyJh\\nIjoxfQ==")]
    [InlineData("eyJhIjoxfQ==")]
    [InlineData("eyJhIjoxfQ\\u003d\\u003d")]
    public void Decoder_fast_path_matches_the_string_path(string data)
    {
        var bytes = Encoding.UTF8.GetBytes("{\"protocol\":\"choria:transport:1\",\"data\":\"" + data + "\"}");
        Assert.True(TransportReader.TryReadDecoded(bytes, out _, out var secure, out var error), error?.ToString());
        Assert.True(TransportMessage.TryParse(bytes, out var message, out _));
        using (secure)
        {
            Assert.True(message.TryDecodeData(out var expected, out _));
            Assert.Equal(expected, secure.Span.ToArray());
        }
    }

    [Fact]
    public void Decoder_fast_path_returns_the_headers()
    {
        var bytes = Encoding.UTF8.GetBytes("{\"protocol\":\"choria:transport:1\",\"data\":\"eyJhIjoxfQ==\",\"headers\":{\"reply-to\":\"r.1\",\"mc_sender\":\"n1\",\"seen-by\":[[\"a\",\"b\",\"c\"]]}}");
        Assert.True(TransportReader.TryReadDecoded(bytes, out var headers, out var secure, out _));
        secure.Dispose();
        Assert.Equal("r.1", headers.ReplyTo);
        Assert.Equal("n1", headers.McSender);
        Assert.Equal([new SeenByHop("a", "b", "c")], headers.SeenBy);
    }

    [Fact]
    public void Decoder_fast_path_reports_bad_base64()
    {
        var bytes = Encoding.UTF8.GetBytes("{\"protocol\":\"choria:transport:1\",\"data\":\"not base64!\"}");
        Assert.False(TransportReader.TryReadDecoded(bytes, out _, out _, out var error));
        Assert.Equal(ProtocolErrorReason.InvalidBase64, error.Reason);
    }
}
