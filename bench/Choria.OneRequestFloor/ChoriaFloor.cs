using System.Text;
using System.Text.Json;
using Choria.Client;
using Choria.Connector;
using Choria.Protocol.Filters;
using Choria.Protocol.Subjects;
using Choria.Security;
using Microsoft.Extensions.Logging.Abstractions;

namespace Choria.OneRequestFloor;

/// <summary>
/// The work of <c>choria req rpcutil ping --nodes &lt;one node&gt;</c> that no command can skip: the file security
/// provider on the client's files, one signed rpcutil#ping request built by the client's own <see cref="RequestFactory"/>,
/// the connection of Choria.Connector with the provider's key, the direct publish and the verified reply. What the
/// command does besides (configuration, DDL, command line, logging, rendering) is left out.
/// </summary>
internal static class ChoriaFloor
{
    private const string Collective = "mcollective";
    private const string Agent = "rpcutil";

    public static async Task<int> RoundTripAsync(FloorOptions options)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(options.TimeoutSeconds));
        var security = new FileSecurityProvider(new FileSecurityOptions { Certificate = options.Cert, Key = options.Key, Ca = options.Ca, Identity = options.Identity });
        var requests = new RequestFactory(options.Identity, security.CallerId, security, insecure: false);
        var connector = new ConnectorOptions
        {
            Servers = [new BrokerHost("127.0.0.1", options.Port)],
            Name = security.Identity + "-floor",
            // The key the provider signs with is the TLS key too: decoded once, as in the command (docs/performance.md).
            Tls = new ConnectorTlsOptions(options.Cert, options.Key, options.Ca) { ClientCertificates = security.ClientCertificates },
            Randomize = false,
            // As the command's short-lived connection (src/Choria.Client/ChoriaClient.cs).
            PingInterval = TimeSpan.Zero,
        };

        // As the command (docs/adr/0016-client-connects-while-preparing.md): the connect runs on a pool thread while
        // this one signs, so on two cores the handshake and the signature overlap.
        var connecting = Task.Run(() => ChoriaConnection.ConnectAsync(connector, NullLogger.Instance, timeout.Token), CancellationToken.None);
        var signed = requests.Sign(Agent, requests.RpcPayload(Agent, "ping", null), Collective, new Filter { Agent = [Agent] });
        await using var connection = await connecting.ConfigureAwait(false);
        var request = requests.Address(signed, connection.ConnectedServerUrl);
        await using var replies = await connection.SubscribeAsync(request.ReplySubject, cancellationToken: timeout.Token).ConfigureAwait(false);
        var published = await connection.PublishAsync(ChoriaSubjects.Node(Collective, options.Node), request.Bytes, cancellationToken: timeout.Token).ConfigureAwait(false);
        if (published != PublishResult.Published)
        {
            await Console.Error.WriteLineAsync($"publish failed: {published}").ConfigureAwait(false);
            return 1;
        }

        var requestId = Encoding.ASCII.GetBytes(request.RequestId);
        while (await replies.WaitToReadAsync(timeout.Token).ConfigureAwait(false))
        {
            if (replies.TryRead(out var message))
            {
                var problem = Problem(message.Data.Span, requestId, options.Node);
                if (problem is null)
                {
                    return 0;
                }

                await Console.Error.WriteLineAsync(problem).ConfigureAwait(false);
                return 1;
            }
        }

        await Console.Error.WriteLineAsync("the reply subscription ended without a reply").ConfigureAwait(false);
        return 1;
    }

    /// <summary>Null for a reply that decodes and verifies (docs/protocol.md), comes from the node and says pong with status 0.</summary>
    private static string? Problem(ReadOnlySpan<byte> transport, byte[] requestId, string node)
    {
        var rejection = ReplyDecoder.TryDecode(transport, requestId, out var reply);
        if (rejection != ReplyRejection.None)
        {
            return $"reply rejected: {rejection}";
        }

        try
        {
            return reply.Sender != node ? $"reply from {reply.Sender}, not {node}" : BodyProblem(reply.Body.AsMemory(0, reply.BodyLength));
        }
        finally
        {
            ReplyDecoder.Return(reply.Body);
        }
    }

    private static string? BodyProblem(ReadOnlyMemory<byte> body)
    {
        try
        {
            using var doc = JsonDocument.Parse(body);
            var root = doc.RootElement;
            return root.TryGetProperty("statuscode", out var code) && code.ValueKind == JsonValueKind.Number && code.GetInt32() == 0
                && root.TryGetProperty("data", out var data) && data.ValueKind == JsonValueKind.Object && data.TryGetProperty("pong", out _)
                ? null
                : "the reply is not a successful pong: " + Encoding.UTF8.GetString(body.Span);
        }
        catch (JsonException e)
        {
            return "the reply body is not JSON: " + e.Message;
        }
    }
}
