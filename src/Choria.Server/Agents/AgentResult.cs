namespace Choria.Server.Agents;

/// <summary>An agent's answer: reply bytes to publish, or no reply with the reason.</summary>
public sealed record AgentResult(byte[]? Reply, string? Error)
{
    public static AgentResult Publish(byte[] reply) => new(reply, null);

    public static AgentResult NoReply(string reason) => new(null, reason);
}
