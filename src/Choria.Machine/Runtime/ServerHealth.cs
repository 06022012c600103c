namespace Choria.Machine.Runtime;

/// <summary>What the nagios <c>choria_status</c> builtin checks: the broker connection and the last request seen.</summary>
public sealed record ServerHealth(string ConnectedServer, DateTimeOffset? LastMessage);
