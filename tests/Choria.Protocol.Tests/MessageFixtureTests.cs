using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Choria.Protocol.Filters;
using Choria.Protocol.Messages;

namespace Choria.Protocol.Tests;

public class MessageFixtureTests
{
    private const string RequestId = "a2f0ca717c694f2086cfa81b6c494648";

    [Fact]
    public void Transport_request_unwraps_to_the_request_fixture()
    {
        Assert.True(ProtocolDecoder.TryDecodeRequest(TestPaths.MessageBytes("v1_transport_request.json"), out var decoded, out var error), error?.ToString());
        Assert.True(Request.TryParse(TestPaths.Message("v1_request.json"), out var expected, out error), error?.ToString());

        var request = decoded.Request;
        Assert.Equal(expected.Message, request.Message);
        Assert.Equal(expected.Envelope with { Filter = request.Envelope.Filter }, request.Envelope);
        Assert.Equal(JsonSerializer.Serialize(expected.Envelope.Filter.Fact[0].Fact), JsonSerializer.Serialize(request.Envelope.Filter.Fact[0].Fact));
        Assert.Equal(["rpcutil"], request.Envelope.Filter.Agent);
        Assert.Equal("mcollective.reply.client.example.net." + RequestId, decoded.Headers.ReplyTo);
        Assert.Equal("client.example.net", decoded.Headers.McSender);
    }

    [Fact]
    public void Secure_request_exposes_the_signed_text_verbatim()
    {
        var raw = JsonNode.Parse(TestPaths.Message("v1_secure_request.json"))!;
        Assert.True(SecureRequest.TryParse(TestPaths.MessageBytes("v1_secure_request.json"), out var secure, out var error), error?.ToString());
        Assert.Equal((string)raw["message"]!, secure.Message);
        Assert.Equal((string)raw["signature"]!, secure.Signature);
        Assert.Equal((string)raw["pubcert"]!, secure.PubCert);
        Assert.Equal(TestPaths.Message("v1_request.json").TrimEnd(), secure.Message);
    }

    [Fact]
    public void Request_built_like_go_reproduces_the_signed_fixture_text()
    {
        var clock = TestClock.AtUnix(1578000000);
        var request = Request.Create(
            new RequestSpec
            {
                Agent = "rpcutil",
                Collective = "mcollective",
                CallerId = "choria=rip.mcollective",
                SenderId = "client.example.net",
                Message = """{"agent":"rpcutil","action":"ping","data":{}}""",
                RequestId = RequestId,
                Filter = new Filter { Fact = [new FactFilter { Fact = "country", Operator = "==", Value = "mt" }], Agent = ["rpcutil"] },
            },
            clock);

        Assert.Equal(TestPaths.Message("v1_request.json").TrimEnd(), request.ToJson());
    }

    [Fact]
    public void Secure_reply_hash_is_reproduced_and_checked()
    {
        Assert.True(SecureReply.TryParse(TestPaths.MessageBytes("v1_secure_reply.json"), out var secure, out var error), error?.ToString());
        Assert.True(secure.IsHashValid());
        Assert.Equal(secure.Hash, SecureReply.Create(secure.Message).Hash);
        Assert.Equal(TestPaths.Message("v1_secure_reply.json").TrimEnd(), SecureReply.Create(secure.Message).ToJson());
        Assert.False((secure with { Message = secure.Message + " " }).IsHashValid());
        Assert.False((secure with { Hash = "not base64!" }).IsHashValid());
        Assert.Equal("Yk+jdKdZ3v8E2p6dmbfn+ZN9lBBAHEIcOMp4lzuYKTo=", SecureReply.ComputeHash("too many secrets"));
    }

    [Fact]
    public void Reply_built_like_go_reproduces_the_reply_fixture()
    {
        var reply = Reply.Create(RequestId, "rpcutil", "node1.example.net", """{"statuscode":0,"statusmsg":"OK","data":{"pong":1578000001}}""", TestClock.AtUnix(1578000001));
        Assert.Equal(TestPaths.Message("v1_reply.json").TrimEnd(), reply.ToJson());
    }

    [Fact]
    public void Transport_reply_round_trips_byte_for_byte()
    {
        var bytes = TestPaths.MessageBytes("v1_transport_reply.json");
        Assert.True(TransportMessage.TryParse(bytes, out var transport, out var error), error?.ToString());
        Assert.Equal(Encoding.UTF8.GetString(bytes).TrimEnd(), transport.ToJson());
        Assert.True(ProtocolDecoder.TryDecodeReply(bytes, out var decoded, out error), error?.ToString());
        Assert.True(decoded.Secure.IsHashValid());
        Assert.Equal(RequestId, decoded.Reply.Envelope.RequestId);
    }

    [Theory]
    [InlineData("v1_transport_request.json")]
    [InlineData("v1_federation_client_request.json")]
    [InlineData("v1_federation_collective_request.json")]
    [InlineData("v1_federation_collective_reply.json")]
    public void Transport_fixtures_round_trip_byte_for_byte(string name)
    {
        var bytes = TestPaths.MessageBytes(name);
        Assert.True(TransportMessage.TryParse(bytes, out var transport, out var error), error?.ToString());
        Assert.Equal(Encoding.UTF8.GetString(bytes).TrimEnd(), transport.ToJson());
    }

    [Theory]
    [InlineData("v1_secure_request.json")]
    [InlineData("v1_secure_request_tampered.json")]
    [InlineData("v1_secure_request_insecure.json")]
    [InlineData("v1_secure_request_privileged.json")]
    [InlineData("v1_secure_request_impersonation.json")]
    public void Every_secure_request_fixture_passes_the_v1_constraints(string name)
    {
        Assert.True(SecureRequest.TryParse(TestPaths.MessageBytes(name), out var secure, out var error), error?.ToString());
        Assert.True(secure.TryParseRequest(out _, out error), error?.ToString());
        Assert.Equal(TestPaths.Message(name).TrimEnd(), secure.ToJson());
    }

    [Theory]
    [InlineData("v1_transport_reply.json")]
    [InlineData("v1_federation_collective_reply.json")]
    public void Every_reply_fixture_passes_the_v1_constraints(string name)
    {
        Assert.True(ProtocolDecoder.TryDecodeReply(TestPaths.MessageBytes(name), out var decoded, out var error), error?.ToString());
        Assert.True(decoded.Secure.IsHashValid());
    }

    [Theory]
    [InlineData("v1_transport_request.json")]
    [InlineData("v1_federation_client_request.json")]
    [InlineData("v1_federation_collective_request.json")]
    public void Every_request_transport_fixture_decodes(string name)
    {
        Assert.True(ProtocolDecoder.TryDecodeRequest(TestPaths.MessageBytes(name), out var decoded, out var error), error?.ToString());
        Assert.Equal(RequestId, decoded.Request.Envelope.RequestId);
    }

    [Theory]
    [InlineData("request.json", "v1_request.json")]
    [InlineData("reply.json", "v1_reply.json")]
    [InlineData("secure_request.json", "v1_secure_request.json")]
    [InlineData("secure_reply.json", "v1_secure_reply.json")]
    [InlineData("transport.json", "v1_transport_request.json")]
    public void Encoded_messages_carry_every_key_the_schema_requires(string schemaName, string fixture)
    {
        var schema = JsonNode.Parse(File.ReadAllText(TestPaths.Fixture("protocol", "schemas", "v1", schemaName)))!;
        var encoded = JsonNode.Parse(Reencode(fixture))!.AsObject();
        var required = schema["required"]!.AsArray().Select(n => (string)n!).ToHashSet();
        Assert.Subset(encoded.Select(p => p.Key).ToHashSet(), required);

        if (schema["properties"]!["envelope"] is { } envelopeSchema)
        {
            var envelopeRequired = envelopeSchema["required"]!.AsArray().Select(n => (string)n!).ToHashSet();
            Assert.Equal(envelopeRequired, encoded["envelope"]!.AsObject().Select(p => p.Key).ToHashSet());
        }
    }

    [Fact]
    public void Encoded_request_uses_exactly_the_envelope_and_filter_keys_ruby_accepts()
    {
        var node = JsonNode.Parse(Request.Create(
            new RequestSpec { Agent = "a", Collective = "c", CallerId = "choria=x", SenderId = "", Message = "\"ping\"" },
            TimeProvider.System).ToJson())!;
        Assert.Equal(["requestid", "senderid", "callerid", "collective", "agent", "ttl", "time", "filter"], node["envelope"]!.AsObject().Select(p => p.Key));
        Assert.Equal(["fact", "cf_class", "agent", "identity", "compound"], node["envelope"]!["filter"]!.AsObject().Select(p => p.Key));
        Assert.All(node["envelope"]!["filter"]!.AsObject(), p => Assert.Equal("[]", p.Value!.ToJsonString()));
        Assert.Equal("60", node["envelope"]!["ttl"]!.ToJsonString());
        Assert.Equal(32, ((string)node["envelope"]!["requestid"]!).Length);
    }

    [Fact]
    public void Encoding_does_not_escape_html_characters()
    {
        var reply = Reply.Create(RequestId, "a", "n", "<b>&amp;</b>", TimeProvider.System);
        Assert.Contains("<b>&amp;</b>", reply.ToJson(), StringComparison.Ordinal);
    }

    [Fact]
    public void Empty_headers_are_omitted_and_an_empty_object_remains()
    {
        var transport = TransportMessage.Create("{}", new TransportHeaders { ReplyTo = "", McSender = null, SeenBy = [], Federation = new FederationHeader { RequestId = RequestId, Targets = [] } });
        Assert.Equal("""{"protocol":"choria:transport:1","data":"e30=","headers":{"federation":{"req":"a2f0ca717c694f2086cfa81b6c494648"}}}""", transport.ToJson());
        Assert.Equal("""{"protocol":"choria:transport:1","data":"e30=","headers":{}}""", TransportMessage.Create("{}", new TransportHeaders()).ToJson());
    }

    [Fact]
    public void Seen_by_hop_append_keeps_existing_hops()
    {
        var transport = TransportMessage.Create("{}", new TransportHeaders { McSender = "me" })
            .WithSeenByHop(new SeenByHop("nats://a:4222", "me", "nats://a:4222"))
            .WithSeenByHop(new SeenByHop("x", "y", "z"));
        Assert.Contains("""
            "seen-by":[["nats://a:4222","me","nats://a:4222"],["x","y","z"]]
            """, transport.ToJson(), StringComparison.Ordinal);
    }

    [Fact]
    public void Reply_headers_carry_federation_and_hops_but_no_reply_to()
    {
        Assert.True(TransportMessage.TryParse(TestPaths.MessageBytes("v1_federation_collective_request.json"), out var request, out _));
        var headers = TransportHeaders.ForReply(request.Headers, "node1.example.net");
        Assert.Null(headers.ReplyTo);
        Assert.Equal("node1.example.net", headers.McSender);
        Assert.Equal(request.Headers.Federation, headers.Federation);
        Assert.Equal(2, headers.SeenBy!.Count);
    }

    [Fact]
    public void Full_sender_pipeline_decodes_back()
    {
        var request = Request.Create(new RequestSpec { Agent = "rpcutil", Collective = "mcollective", CallerId = "choria=rip.mcollective", SenderId = "me", Message = "{}" }, TimeProvider.System);
        var text = request.ToJson();
        var secure = SecureRequest.Create(text, "sig", "pem");
        var transport = TransportMessage.Create(secure.ToUtf8Bytes(), new TransportHeaders { ReplyTo = "r", McSender = "me" });

        Assert.True(ProtocolDecoder.TryDecodeRequest(transport.ToUtf8Bytes(), out var decoded, out var error), error?.ToString());
        Assert.Equal(text, decoded.Secure.ToSecureRequest().Message);
        Assert.Equal(request.Envelope.RequestId, decoded.Request.Envelope.RequestId);
        Assert.True(decoded.Request.IsCurrent(TimeProvider.System));
    }

    private static string Reencode(string fixture)
    {
        var bytes = TestPaths.MessageBytes(fixture);
        return fixture switch
        {
            "v1_request.json" => Request.TryParse(bytes, out var r, out _) ? r.ToJson() : "",
            "v1_reply.json" => Reply.TryParse(bytes, out var r, out _) ? r.ToJson() : "",
            "v1_secure_request.json" => SecureRequest.TryParse(bytes, out var r, out _) ? r.ToJson() : "",
            "v1_secure_reply.json" => SecureReply.TryParse(bytes, out var r, out _) ? r.ToJson() : "",
            _ => TransportMessage.TryParse(bytes, out var r, out _) ? r.ToJson() : "",
        };
    }
}
