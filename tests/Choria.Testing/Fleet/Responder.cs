using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using Choria.Connector;
using Choria.Protocol.Filters;
using Choria.Protocol.Messages;
using Microsoft.Extensions.Logging.Abstractions;

namespace Choria.Testing.Fleet;

/// <summary>A simulated fleet node for the tests.</summary>
public sealed record FakeNode(string Identity, string[] Classes, string[] Agents, Dictionary<string, string> Facts, bool Silent = false, bool FailsActions = false);

/// <summary>
/// Stands in for Choria servers: subscribes like a server does (broadcast per agent, node subject per
/// identity), applies the request filter with the real matcher and answers with correctly built
/// secure replies. Records which subject each node received requests on.
/// </summary>
public sealed class Responder : IAsyncDisposable
{
    private readonly ChoriaConnection _connection;
    private readonly List<ChoriaSubscription> _subscriptions = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _loops = [];

    private Responder(ChoriaConnection connection) => _connection = connection;

    public ConcurrentQueue<(string Node, string Subject, Request Request)> Received { get; } = new();

    public static async Task<Responder> StartAsync(BrokerHost broker, IEnumerable<FakeNode> nodes, string collective = "mcollective")
    {
        var connection = await ChoriaConnection.ConnectAsync(new ConnectorOptions { Servers = [broker], Name = "responder", SubscriptionCapacity = 100_000 }, NullLogger.Instance, CancellationToken.None);
        var responder = new Responder(connection);
        foreach (var node in nodes)
        {
            var subjects = node.Agents.Select(a => $"{collective}.broadcast.agent.{a}").Append($"{collective}.node.{node.Identity}");
            foreach (var subject in subjects)
            {
                var sub = await connection.SubscribeAsync(subject);
                responder._subscriptions.Add(sub);
                responder._loops.Add(Task.Run(() => responder.ServeAsync(node, sub)));
            }
        }

        await connection.FlushAsync();
        return responder;
    }

    private async Task ServeAsync(FakeNode node, ChoriaSubscription sub)
    {
        try
        {
            await foreach (var msg in sub.ReadAllAsync(_stop.Token))
            {
                if (!ProtocolDecoder.TryDecodeRequest(msg.Data.Span, out var decoded, out _))
                {
                    continue;
                }

                var request = decoded.Request;
                using var facts = JsonDocument.Parse(JsonSerializer.Serialize(node.Facts));
                var data = new NodeData(node.Identity, node.Classes, node.Agents, facts.RootElement);
                if (!FilterMatcher.Matches(request.Envelope.Filter, data).Matched || node.Silent)
                {
                    continue;
                }

                Received.Enqueue((node.Identity, msg.Subject, request));
                var body = request.Envelope.Agent == "discovery" ? "\"pong\"" : RpcBody(node, request);
                var reply = Reply.Create(request, node.Identity, body, TimeProvider.System);
                var secure = SecureReply.Create(reply.ToJson());
                var transport = TransportMessage.Create(secure.ToUtf8Bytes(), new TransportHeaders { McSender = node.Identity });
                await _connection.PublishAsync(decoded.Headers.ReplyTo!, transport.ToUtf8Bytes());
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private static string RpcBody(FakeNode node, Request request)
    {
        using var payload = JsonDocument.Parse(request.Message);
        var action = payload.RootElement.GetProperty("action").GetString();
        if (node.FailsActions)
        {
            return """{"statuscode":1,"statusmsg":"simulated failure","data":{}}""";
        }

        return action switch
        {
            "ping" => """{"statuscode":0,"statusmsg":"OK","data":{"pong":1578000001}}""",
            "get_fact" => Encoding.UTF8.GetString(JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object>
            {
                ["statuscode"] = 0,
                ["statusmsg"] = "OK",
                ["data"] = new Dictionary<string, string?>
                {
                    ["fact"] = payload.RootElement.GetProperty("data").GetProperty("fact").GetString(),
                    ["value"] = node.Facts.GetValueOrDefault(payload.RootElement.GetProperty("data").GetProperty("fact").GetString()!),
                },
            })),
            "inventory" => Ok(new Dictionary<string, object?>
            {
                ["agents"] = node.Agents,
                ["facts"] = node.Facts,
                ["classes"] = node.Classes,
                ["version"] = "0.1.0",
                ["main_collective"] = "mcollective",
                ["collectives"] = new[] { "mcollective", "other" },
                ["data_plugins"] = Array.Empty<string>(),
                ["machines"] = null,
            }),
            "daemon_stats" => Ok(new Dictionary<string, object?>
            {
                ["version"] = "0.1.0",
                ["starttime"] = 1578000000,
                ["configfile"] = "/etc/choria/server.conf",
                ["pid"] = 42,
                ["total"] = 10,
                ["passed"] = 9,
                ["filtered"] = 1,
                ["ttlexpired"] = 0,
                ["replies"] = 9,
                ["events"] = 2,
            }),
            "collective_info" => Ok(new Dictionary<string, object?>
            {
                ["main_collective"] = "mcollective",
                ["collectives"] = node.Identity.StartsWith("node1.", StringComparison.Ordinal) ? new[] { "mcollective", "other" } : new[] { "mcollective" },
            }),
            _ => """{"statuscode":2,"statusmsg":"Unknown action","data":{}}""",
        };
    }

    private static string Ok(Dictionary<string, object?> data) =>
        JsonSerializer.Serialize(new Dictionary<string, object> { ["statuscode"] = 0, ["statusmsg"] = "OK", ["data"] = data });

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        foreach (var sub in _subscriptions)
        {
            await sub.DisposeAsync();
        }

        await Task.WhenAll(_loops);
        await _connection.DisposeAsync();
        _stop.Dispose();
    }
}
