using System.Text;
using System.Text.Json;
using Choria.Protocol.Messages;
using Choria.Server.Agents;

namespace Choria.Server.Tests;

/// <summary>Calls a provider agent the way the request processor does, with a full request envelope.</summary>
internal static class AgentCall
{
    /// <summary>Runs <paramref name="action"/> through <see cref="IAgent.HandleAsync"/> with a real request payload.</summary>
    public static async Task<JsonElement> RunAsync(IAgent agent, string action, string data = "{}", CancellationToken cancellationToken = default)
    {
        var result = await agent.HandleAsync(Request(agent, action, data), cancellationToken);
        Assert.NotNull(result.Reply);
        return JsonDocument.Parse(result.Reply).RootElement;
    }

    /// <summary>The request envelope <see cref="RunAsync"/> sends, for tests that look at the raw result.</summary>
    public static AgentRequest Request(IAgent agent, string action, string data = "{}")
    {
        var payload = $$"""{"agent":"{{agent.Metadata.Name}}","action":"{{action}}","data":{{data}},"caller":"choria=rip.mcollective"}""";
        return new AgentRequest
        {
            Payload = Encoding.UTF8.GetBytes(payload),
            Envelope = new RequestEnvelope
            {
                Agent = agent.Metadata.Name,
                RequestId = "4b5d2f1a9c3e4d7f8a6b0c1d2e3f4a5b",
                SenderId = "client1.example.net",
                CallerId = "choria=rip.mcollective",
                Collective = "mcollective",
                Ttl = 60,
                Time = 1578175200,
            },
        };
    }
}
