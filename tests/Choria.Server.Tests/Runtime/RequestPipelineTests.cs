using System.Text;
using System.Text.Json;
using Choria.Protocol.Filters;
using Choria.Protocol.Messages;
using Choria.Server.Runtime;

namespace Choria.Server.Tests.Runtime;

public sealed class RequestPipelineTests : IDisposable
{
    private static readonly string[] s_agents = ["discovery", "rpcutil"];
    private readonly TempDir _cache = new();

    public void Dispose() => _cache.Dispose();

    public static TheoryData<string> RequestCaptures()
    {
        var data = new TheoryData<string>();
        foreach (var path in Directory.GetFiles(TestPaths.Fixture("wire"), "*.bin").Order(StringComparer.Ordinal))
        {
            var name = Path.GetFileName(path);
            if (name.Contains("-request-", StringComparison.Ordinal))
            {
                data.Add(name);
            }
        }

        return data;
    }

    private static NodeData Node(string identity, string facts = """{"role":"db","hostname":"node4"}""", params string[] classes) =>
        new(identity, classes, s_agents, Fixtures.Facts(facts));

    [Theory]
    [MemberData(nameof(RequestCaptures))]
    public void Every_request_capture_decodes_and_verifies_at_its_own_time(string file)
    {
        Assert.True(RequestPipeline.TryDecode(Fixtures.WireBytes(file), out var received, out var drop), drop?.Message);
        var clock = TestClock.AtUnix(received!.Request.Envelope.Time);
        var security = Fixtures.Provider(_cache.Path, clock, Fixtures.Wire("test-ca.pem"));

        var verify = RequestPipeline.Verify(received, security, insecure: false);

        if (file.StartsWith("24-", StringComparison.Ordinal))
        {
            Assert.Equal(DropReason.SecurityFailed, verify?.Reason);
        }
        else
        {
            Assert.Null(verify);
            Assert.Null(RequestPipeline.CheckTtl(received.Request, clock));
            Assert.Null(RequestPipeline.CheckCollective(received.Request, ["mcollective"]));
        }
    }

    [Fact]
    public void Capture_is_rejected_by_a_foreign_ca_and_accepted_when_insecure()
    {
        const string file = "05-rpc-request-direct-rpcutil-ping.bin";
        Assert.True(RequestPipeline.TryDecode(Fixtures.WireBytes(file), out var received, out _));
        var clock = TestClock.AtUnix(received!.Request.Envelope.Time);
        var security = Fixtures.Provider(_cache.Path, clock, Fixtures.Good("certs/ca.pem"));

        Assert.Equal(DropReason.SecurityFailed, RequestPipeline.Verify(received, security, insecure: false)?.Reason);
        Assert.Null(RequestPipeline.Verify(received, security, insecure: true));
    }

    [Theory]
    [InlineData("garbage", DropReason.TransportInvalid)]
    [InlineData("""{"protocol":"choria:transport:1","data":"!!notbase64!!","headers":{}}""", DropReason.SecureRequestInvalid)]
    [InlineData("""{"protocol":"choria:transport:1","data":"eyJ4IjoxfQ==","headers":{}}""", DropReason.SecureRequestInvalid)]
    [InlineData("""{"protocol":"choria:unknown:1","data":"eyJ4IjoxfQ==","headers":{}}""", DropReason.TransportInvalid)]
    public void Malformed_layers_yield_typed_drops(string payload, DropReason expected)
    {
        Assert.False(RequestPipeline.TryDecode(Encoding.UTF8.GetBytes(payload), out _, out var drop));
        Assert.Equal(expected, drop!.Reason);
        Assert.False(string.IsNullOrEmpty(drop.Message));
    }

    [Fact]
    public void Secure_request_with_a_broken_inner_request_is_request_invalid()
    {
        var secure = SecureRequest.Create("""{"protocol":"choria:request:1","message":"x"}""", "c2ln", "pem");
        var payload = TransportMessage.Create(secure.ToUtf8Bytes(), new TransportHeaders()).ToUtf8Bytes();

        Assert.False(RequestPipeline.TryDecode(payload, out _, out var drop));
        Assert.Equal(DropReason.RequestInvalid, drop!.Reason);
    }

    [Fact]
    public void Oversized_payload_is_a_transport_drop()
    {
        var payload = new byte[(1024 * 1024) + 10];
        Array.Fill(payload, (byte)' ');
        payload[0] = (byte)'{';
        payload[^1] = (byte)'}';

        Assert.False(RequestPipeline.TryDecode(payload, out _, out var drop));
        Assert.Equal(DropReason.TransportInvalid, drop!.Reason);
    }

    [Theory]
    [InlineData("09-discovery-request-fact-filter.bin", "node1.example.net", """{"role":"db"}""", true)]
    [InlineData("09-discovery-request-fact-filter.bin", "node1.example.net", """{"role":"web"}""", false)]
    [InlineData("16-discovery-request-compound-filter.bin", "node4.example.net", """{"role":"web","hostname":"node4"}""", true)]
    [InlineData("16-discovery-request-compound-filter.bin", "node4.example.net", """{"role":"db","hostname":"node4"}""", false)]
    [InlineData("18-discovery-request-class-and-identity-regex.bin", "node17.example.net", "{}", true)]
    [InlineData("18-discovery-request-class-and-identity-regex.bin", "node27.example.net", "{}", false)]
    public void Filter_step_matches_capture_filters(string file, string identity, string facts, bool matches)
    {
        Assert.True(RequestPipeline.TryDecode(Fixtures.WireBytes(file), out var received, out _));
        var drop = RequestPipeline.Filter(received!.Request, Node(identity, facts, "role::db"), FilterContext.Default);

        Assert.Equal(matches, drop is null);
        if (!matches)
        {
            Assert.Equal(DropReason.Filtered, drop!.Reason);
        }
    }

    [Fact]
    public void Collective_and_ttl_checks()
    {
        Assert.True(RequestPipeline.TryDecode(Fixtures.WireBytes("01-discovery-request-broadcast.bin"), out var received, out _));
        var request = received!.Request;
        var time = request.Envelope.Time;

        Assert.Equal(DropReason.WrongCollective, RequestPipeline.CheckCollective(request, ["other"])?.Reason);
        Assert.Null(RequestPipeline.CheckTtl(request, TestClock.AtUnix(time + 59)));
        Assert.Equal(DropReason.TtlExpired, RequestPipeline.CheckTtl(request, TestClock.AtUnix(time + 60))?.Reason);
        Assert.Equal(DropReason.TtlExpired, RequestPipeline.CheckTtl(request, TestClock.AtUnix(time - 60))?.Reason);
    }

    [Fact]
    public void Agent_request_applies_the_payload_rule()
    {
        Assert.True(RequestPipeline.TryDecode(Fixtures.WireBytes("03-rpc-request-broadcast-rpcutil-ping.bin"), out var received, out _));
        var ruby = RequestPipeline.ToAgentRequest(received!.Request);
        using var body = JsonDocument.Parse(ruby.Payload);
        Assert.Equal("ping", body.RootElement.GetProperty("action").GetString());
        Assert.Equal("rpcutil", ruby.Agent);
        Assert.Equal("choria=rip.mcollective", ruby.Envelope.CallerId);
        Assert.Same(received.Request.Envelope, ruby.Envelope);

        var go = RequestPipeline.ToAgentRequest(received.Request with { Message = "cGluZw==" });
        Assert.Equal("ping", Encoding.UTF8.GetString(go.Payload.Span));
    }

    [Fact]
    public void Ordinary_reply_carries_only_the_own_hop()
    {
        Assert.True(RequestPipeline.TryDecode(Fixtures.WireBytes("05-rpc-request-direct-rpcutil-ping.bin"), out var received, out _));
        var requestHeaders = received!.Headers with { SeenBy = [new SeenByHop("a", "b", "c")] };
        var headers = RequestPipeline.ReplyHeaders(requestHeaders, "node1.example.net");
        var clock = TestClock.AtUnix(received.Request.Envelope.Time + 1);

        var bytes = RequestPipeline.BuildReply(received.Request, headers, "{\"statuscode\":0}"u8, "node1.example.net", "nats://b:4222", clock);

        Assert.True(ProtocolDecoder.TryDecodeReply(bytes, out var reply, out var error), error?.Message);
        Assert.True(reply.Secure.IsHashValid());
        Assert.Equal(received.Request.Envelope.RequestId, reply.Reply.Envelope.RequestId);
        Assert.Equal("node1.example.net", reply.Reply.Envelope.SenderId);
        Assert.Equal("rpcutil", reply.Reply.Envelope.Agent);
        Assert.Equal("{\"statuscode\":0}", reply.Reply.Message);
        Assert.Equal("node1.example.net", reply.Headers.McSender);
        Assert.Null(reply.Headers.ReplyTo);
        Assert.Null(reply.Headers.Federation);
        Assert.Equal([new SeenByHop("nats://b:4222", "node1.example.net", "nats://b:4222")], reply.Headers.SeenBy);
    }

    [Fact]
    public void Federated_reply_echoes_federation_and_hops()
    {
        var payload = File.ReadAllBytes(TestPaths.Fixture("protocol", "messages", "v1_federation_collective_request.json"));
        Assert.True(TransportMessage.TryParse(payload, out var transport, out var error), error?.Message);
        Assert.NotNull(transport.Headers.Federation);

        var headers = RequestPipeline.ReplyHeaders(transport.Headers, "node1.example.net");

        Assert.Equal(transport.Headers.Federation!.RequestId, headers.Federation!.RequestId);
        Assert.Equal(transport.Headers.Federation.ReplyTo, headers.Federation.ReplyTo);
        Assert.Null(headers.Federation.Targets);
        Assert.Equal(transport.Headers.SeenBy?.Count ?? 0, headers.SeenBy?.Count ?? 0);
        Assert.Null(headers.ReplyTo);
    }
}
