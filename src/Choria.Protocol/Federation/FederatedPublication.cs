using Choria.Protocol.Messages;

namespace Choria.Protocol.Federation;

/// <summary>One message a federated client publishes.</summary>
public sealed record FederatedPublication(string Subject, TransportMessage Message);
