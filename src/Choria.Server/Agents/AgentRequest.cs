using Choria.Protocol.Messages;

namespace Choria.Server.Agents;

/// <summary>
/// What the request processor hands to an agent: the envelope of a validated request, as received, plus the
/// decoded payload bytes (after the base64 fall-back rule of docs/server.md).
/// </summary>
public sealed record AgentRequest
{
    private static readonly RequestEnvelope s_noEnvelope = new();

    public RequestEnvelope Envelope { get; init; } = s_noEnvelope;

    public ReadOnlyMemory<byte> Payload { get; init; }

    public string Agent => Envelope.Agent;

    public string RequestId => Envelope.RequestId;
}
