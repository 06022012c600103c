using System.Text;
using System.Text.Json.Nodes;
using Choria.Protocol.Messages;

namespace Choria.Protocol.Tests;

public class RequestValidationTests
{
    private static JsonNode Fixture() => JsonNode.Parse(TestPaths.Message("v1_request.json"))!;

    private static ProtocolError Rejects(JsonNode node)
    {
        Assert.False(Request.TryParse(node.ToJsonString(), out var request, out var error));
        Assert.Null(request);
        return error;
    }

    public static TheoryData<string, ProtocolErrorReason> Mutations() => new()
    {
        { "requestid31", ProtocolErrorReason.ConstraintViolation },
        { "requestid33", ProtocolErrorReason.ConstraintViolation },
        { "ttl29", ProtocolErrorReason.ConstraintViolation },
        { "nofilter", ProtocolErrorReason.MissingField },
        { "nocfclass", ProtocolErrorReason.MissingField },
        { "nullfact", ProtocolErrorReason.WrongType },
        { "nullcfclass", ProtocolErrorReason.WrongType },
        { "nullidentity", ProtocolErrorReason.WrongType },
        { "nullcompound", ProtocolErrorReason.WrongType },
        { "nullagent", ProtocolErrorReason.WrongType },
        { "operator=", ProtocolErrorReason.ConstraintViolation },
        { "emptycallerid", ProtocolErrorReason.ConstraintViolation },
        { "emptycollective", ProtocolErrorReason.ConstraintViolation },
        { "emptyagent", ProtocolErrorReason.ConstraintViolation },
        { "emptymessage", ProtocolErrorReason.ConstraintViolation },
        { "ttlfloat", ProtocolErrorReason.WrongType },
        { "ttlstring", ProtocolErrorReason.WrongType },
        { "notime", ProtocolErrorReason.MissingField },
        { "nosenderid", ProtocolErrorReason.MissingField },
        { "protocol", ProtocolErrorReason.UnknownProtocol },
        { "compoundnotobject", ProtocolErrorReason.WrongType },
        { "identitynumber", ProtocolErrorReason.WrongType },
    };

    [Theory]
    [MemberData(nameof(Mutations))]
    public void Schema_violations_are_rejected_with_a_reason(string mutation, ProtocolErrorReason reason)
    {
        var node = Fixture();
        var env = node["envelope"]!;
        var filter = env["filter"]!.AsObject();
        switch (mutation)
        {
            case "requestid31": env["requestid"] = new string('a', 31); break;
            case "requestid33": env["requestid"] = new string('a', 33); break;
            case "ttl29": env["ttl"] = 29; break;
            case "nofilter": env.AsObject().Remove("filter"); break;
            case "nocfclass": filter.Remove("cf_class"); break;
            case "nullfact": filter["fact"] = null; break;
            case "nullcfclass": filter["cf_class"] = null; break;
            case "nullidentity": filter["identity"] = null; break;
            case "nullcompound": filter["compound"] = null; break;
            case "nullagent": filter["agent"] = null; break;
            case "operator=": filter["fact"]![0]!["operator"] = "="; break;
            case "emptycallerid": env["callerid"] = ""; break;
            case "emptycollective": env["collective"] = ""; break;
            case "emptyagent": env["agent"] = ""; break;
            case "emptymessage": node["message"] = ""; break;
            case "ttlfloat": env["ttl"] = 60.5; break;
            case "ttlstring": env["ttl"] = "60"; break;
            case "notime": env.AsObject().Remove("time"); break;
            case "nosenderid": env.AsObject().Remove("senderid"); break;
            case "protocol": node["protocol"] = "choria:request:2"; break;
            case "compoundnotobject": filter["compound"] = new JsonArray(new JsonArray(JsonValue.Create("x"))); break;
            case "identitynumber": filter["identity"] = new JsonArray(JsonValue.Create(1)); break;
            default: throw new ArgumentOutOfRangeException(nameof(mutation));
        }

        var error = Rejects(node);
        Assert.Equal(reason, error.Reason);
        Assert.False(string.IsNullOrWhiteSpace(error.Message));
    }

    [Fact]
    public void The_unmutated_fixture_and_boundary_values_are_accepted()
    {
        var node = Fixture();
        node["envelope"]!["ttl"] = 30;
        node["envelope"]!["senderid"] = "";
        node["envelope"]!["filter"]!.AsObject().Remove("agent");
        Assert.True(Request.TryParse(node.ToJsonString(), out var request, out var error), error?.ToString());
        Assert.Equal(30, request.Envelope.Ttl);
        Assert.Empty(request.Envelope.Filter.Agent);
    }

    [Fact]
    public void Unknown_filter_and_fact_keys_are_ignored()
    {
        var node = Fixture();
        node["envelope"]!["filter"]!["collective"] = "mcollective";
        node["envelope"]!["filter"]!["fact"]![0]!["extra"] = true;
        Assert.True(Request.TryParse(node.ToJsonString(), out var request, out var error), error?.ToString());
        Assert.Equal("country", request.Envelope.Filter.Fact[0].Fact);
        Assert.DoesNotContain("collective\":\"mcollective\"}", request.ToJson(), StringComparison.Ordinal);
    }

    [Fact]
    public void Secure_request_requires_non_empty_fields()
    {
        var node = JsonNode.Parse(TestPaths.Message("v1_secure_request.json"))!;
        foreach (var field in new[] { "message", "signature", "pubcert" })
        {
            var copy = node.DeepClone();
            copy[field] = "";
            Assert.False(SecureRequest.TryParse(Encoding.UTF8.GetBytes(copy.ToJsonString()), out _, out var error));
            Assert.Equal(ProtocolErrorReason.ConstraintViolation, error.Reason);
            copy.AsObject().Remove(field);
            Assert.False(SecureRequest.TryParse(Encoding.UTF8.GetBytes(copy.ToJsonString()), out _, out error));
            Assert.Equal(ProtocolErrorReason.MissingField, error.Reason);
        }
    }

    [Fact]
    public void Unknown_transport_protocol_is_rejected()
    {
        var node = JsonNode.Parse(TestPaths.Message("v1_transport_request.json"))!;
        node["protocol"] = "choria:transport:9";
        Assert.False(TransportMessage.TryParse(Encoding.UTF8.GetBytes(node.ToJsonString()), out _, out var error));
        Assert.Equal(ProtocolErrorReason.UnknownProtocol, error.Reason);
        Assert.Contains("choria:transport:9", error.Message, StringComparison.Ordinal);

        // A secure request presented as a transport is also an unknown protocol at that layer.
        Assert.False(TransportMessage.TryParse(TestPaths.MessageBytes("v1_secure_request.json"), out _, out error));
        Assert.Equal(ProtocolErrorReason.UnknownProtocol, error.Reason);
    }

    [Fact]
    public void Seen_by_hops_of_any_length_and_absent_seen_by_parse()
    {
        const string data = "e30=";
        var twoHop = $$$"""{"protocol":"choria:transport:1","data":"{{{data}}}","headers":{"seen-by":[["a","b"],["1","2","3","4"],[]]}}""";
        Assert.True(TransportMessage.TryParse(Encoding.UTF8.GetBytes(twoHop), out var transport, out var error), error?.ToString());
        Assert.Equal([new SeenByHop("a", "b", ""), new SeenByHop("1", "2", "3"), new SeenByHop("", "", "")], transport.Headers.SeenBy!);

        var none = $$$"""{"protocol":"choria:transport:1","data":"{{{data}}}","headers":{"mc_sender":"x"}}""";
        Assert.True(TransportMessage.TryParse(Encoding.UTF8.GetBytes(none), out transport, out error), error?.ToString());
        Assert.Null(transport.Headers.SeenBy);
    }

    [Fact]
    public void Federation_target_round_trips_under_the_singular_key()
    {
        var bytes = TestPaths.MessageBytes("v1_federation_client_request.json");
        Assert.True(TransportMessage.TryParse(bytes, out var transport, out _));
        Assert.Equal(["mcollective.broadcast.agent.rpcutil"], transport.Headers.Federation!.Targets!);
        var json = transport.ToJson();
        Assert.Contains("\"target\":[\"mcollective.broadcast.agent.rpcutil\"]", json, StringComparison.Ordinal);
        Assert.DoesNotContain("\"targets\"", json, StringComparison.Ordinal);
    }

    [Fact]
    public void Newline_wrapped_base64_decodes_like_the_unwrapped_form()
    {
        Assert.True(TransportMessage.TryParse(TestPaths.MessageBytes("v1_transport_request.json"), out var transport, out _));
        var wrapped = string.Join('\n', transport.Data.Chunk(60).Select(c => new string(c))) + "\n";
        Assert.True((transport with { Data = wrapped }).TryDecodeData(out var a, out _));
        Assert.True(transport.TryDecodeData(out var b, out _));
        Assert.Equal(b, a);
        Assert.False((transport with { Data = "!!!!" }).TryDecodeData(out _, out var error));
        Assert.Equal(ProtocolErrorReason.InvalidBase64, error.Reason);
    }

    [Theory]
    [InlineData("cGluZw==", "ping")]
    [InlineData("\"ping\"", "\"ping\"")]
    [InlineData("{\"agent\":\"rpcutil\",\"action\":\"ping\",\"data\":{}}", "{\"agent\":\"rpcutil\",\"action\":\"ping\",\"data\":{}}")]
    [InlineData("cGlu\r\nZw==", "ping")]
    [InlineData("cGluZw", "cGluZw")]
    public void Request_payload_follows_the_go_base64_rule(string message, string expected)
    {
        Assert.Equal(Encoding.UTF8.GetBytes(expected), RequestPayload.Decode(message));
    }

    [Fact]
    public void A_bare_word_that_is_valid_base64_is_mangled_like_go_does()
    {
        Assert.Equal(Convert.FromBase64String("ping"), RequestPayload.Decode("ping"));
    }

    [Fact]
    public void Reply_payload_parses_json_or_falls_back_to_raw()
    {
        Assert.Equal("pong", ReplyPayload.Parse("\"pong\"").Json!.Value.GetString());
        var raw = ReplyPayload.Parse("pong");
        Assert.Null(raw.Json);
        Assert.Equal("pong", raw.Raw);
        Assert.Equal(0, ReplyPayload.Parse("{\"statuscode\":0}").Json!.Value.GetProperty("statuscode").GetInt32());
    }
}
