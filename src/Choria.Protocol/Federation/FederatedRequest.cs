using Choria.Protocol.Messages;

namespace Choria.Protocol.Federation;

/// <summary>A request moved onto the collective network, to publish to every target.</summary>
public sealed record FederatedRequest(TransportMessage Message, IReadOnlyList<string> Targets);
