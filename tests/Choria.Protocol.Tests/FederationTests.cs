using Choria.Protocol.Federation;
using Choria.Protocol.Messages;

namespace Choria.Protocol.Tests;

public class FederationTests
{
    private static readonly SeenByHop s_hop = new("nats://fed1.example.net:4222", "broker", "nats://collective1.example.net:4222");

    private static TransportMessage Load(string name)
    {
        Assert.True(TransportMessage.TryParse(TestPaths.MessageBytes(name), out var message, out var error), error?.ToString());
        return message;
    }

    [Fact]
    public void Request_transformer_matches_the_collective_fixture()
    {
        var input = Load("v1_federation_client_request.json");
        var expected = Load("v1_federation_collective_request.json");

        Assert.True(FederationTransformer.TryTransformRequest(input, "production", s_hop, out var result, out var error), error?.ToString());
        var headers = result.Message.Headers;
        Assert.Equal(["mcollective.broadcast.agent.rpcutil"], result.Targets);
        Assert.Equal(expected.Headers.ReplyTo, headers.ReplyTo);
        Assert.Equal(expected.Headers.McSender, headers.McSender);
        Assert.Equal(expected.Headers.Federation, headers.Federation);
        Assert.Equal(expected.Headers.SeenBy!.Count, headers.SeenBy!.Count);
        Assert.Equal(expected.Headers.SeenBy[0], headers.SeenBy[0]);
        Assert.Equal(s_hop, headers.SeenBy[^1]);
        Assert.Equal(expected.Data, result.Message.Data);
        Assert.DoesNotContain("\"target\"", result.Message.ToJson(), StringComparison.Ordinal);
    }

    [Fact]
    public void Header_level_moves_make_the_same_edits_and_leave_seen_by_to_the_relay()
    {
        var request = Load("v1_federation_client_request.json");
        Assert.True(FederationTransformer.TryTransformRequest(request, "production", s_hop, out var full, out _));
        Assert.True(FederationTransformer.TryMoveRequestHeaders(request.Headers, "choria.federation.production.collective", out var moved, out var targets, out var error), error?.ToString());
        Assert.Equal(full.Targets, targets);
        Assert.Equal(full.Message.Headers with { SeenBy = request.Headers.SeenBy }, moved);
        Assert.Same(request.Headers.SeenBy, moved.SeenBy);
        Assert.False(FederationTransformer.TryMoveRequestHeaders(request.Headers with { ReplyTo = "" }, "x", out _, out _, out _));

        var reply = Load("v1_federation_collective_reply.json");
        Assert.True(FederationTransformer.TryTransformReply(reply, s_hop, out var fullReply, out _));
        Assert.True(FederationTransformer.TryMoveReplyHeaders(reply.Headers, out var movedReply, out var subject, out error), error?.ToString());
        Assert.Equal(fullReply.ReplySubject, subject);
        Assert.Null(movedReply.Federation);
        Assert.Same(reply.Headers.SeenBy, movedReply.SeenBy);
        Assert.False(FederationTransformer.TryMoveReplyHeaders(reply.Headers with { Federation = null }, out _, out _, out error));
        Assert.Equal(ProtocolErrorReason.MissingField, error.Reason);
    }

    [Fact]
    public void Request_transformer_drops_messages_without_federation_data()
    {
        var input = Load("v1_transport_request.json");
        Assert.False(FederationTransformer.TryTransformRequest(input, "production", s_hop, out _, out var error));
        Assert.Equal(ProtocolErrorReason.MissingField, error.Reason);

        var fed = Load("v1_federation_client_request.json");
        Assert.False(FederationTransformer.TryTransformRequest(fed with { Headers = fed.Headers with { ReplyTo = null } }, "production", s_hop, out _, out _));
        Assert.False(FederationTransformer.TryTransformRequest(fed with { Headers = fed.Headers with { Federation = fed.Headers.Federation! with { Targets = [] } } }, "production", s_hop, out _, out _));
    }

    [Fact]
    public void Reply_transformer_removes_federation_and_targets_the_saved_reply_to()
    {
        var input = Load("v1_federation_collective_reply.json");
        Assert.True(FederationTransformer.TryTransformReply(input, s_hop, out var result, out var error), error?.ToString());
        Assert.Equal("mcollective.reply.client.example.net.a2f0ca717c694f2086cfa81b6c494648", result.ReplySubject);
        Assert.Null(result.Message.Headers.Federation);
        Assert.DoesNotContain("federation", result.Message.ToJson(), StringComparison.Ordinal);
        Assert.Equal(4, result.Message.Headers.SeenBy!.Count);
        Assert.Equal(input.Data, result.Message.Data);

        Assert.False(FederationTransformer.TryTransformReply(Load("v1_transport_reply.json"), s_hop, out _, out error));
        Assert.Equal(ProtocolErrorReason.MissingField, error.Reason);
    }

    [Fact]
    public void Direct_publish_of_450_nodes_is_split_in_groups_of_200_per_federation()
    {
        var message = Load("v1_transport_request.json");
        var nodes = Enumerable.Range(0, 450).Select(i => $"node{i}.example.net").ToList();
        var publications = FederationPublisher.Direct(message, "a2f0ca717c694f2086cfa81b6c494648", "mcollective", nodes, ["production", "staging"]);

        Assert.Equal(6, publications.Count);
        foreach (var federation in new[] { "production", "staging" })
        {
            var mine = publications.Where(p => p.Subject == $"choria.federation.{federation}.federation").ToList();
            Assert.Equal([200, 200, 50], mine.Select(p => p.Message.Headers.Federation!.Targets!.Count));
            Assert.Equal(nodes.Select(n => $"mcollective.node.{n}"), mine.SelectMany(p => p.Message.Headers.Federation!.Targets!));
            Assert.All(mine, p => Assert.Equal("a2f0ca717c694f2086cfa81b6c494648", p.Message.Headers.Federation!.RequestId));
            Assert.All(mine, p => Assert.Equal(message.Headers.ReplyTo, p.Message.Headers.ReplyTo));
        }
    }

    [Fact]
    public void Broadcast_publish_targets_the_agent_subject()
    {
        var message = Load("v1_transport_request.json");
        var publication = Assert.Single(FederationPublisher.Broadcast(message, "a2f0ca717c694f2086cfa81b6c494648", "mcollective", "rpcutil", ["production"]));
        Assert.Equal("choria.federation.production.federation", publication.Subject);
        var expected = Load("v1_federation_client_request.json").Headers.Federation!;
        var actual = publication.Message.Headers.Federation!;
        Assert.Equal(expected.RequestId, actual.RequestId);
        Assert.Equal(expected.Targets!, actual.Targets!);
        var fixture = Load("v1_federation_client_request.json");
        Assert.Equal((fixture with { Headers = fixture.Headers with { SeenBy = null } }).ToJson(), (publication.Message with { Headers = publication.Message.Headers with { SeenBy = null } }).ToJson());
    }
}
