namespace Choria.Client;

/// <summary>A verified reply: who sent it and the agent's body bytes (not yet parsed).</summary>
public readonly record struct VerifiedReply(string Sender, byte[] Body, int BodyLength);
