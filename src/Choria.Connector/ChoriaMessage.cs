namespace Choria.Connector;

/// <summary>
/// A received message. A struct so that receiving costs no allocation beyond the payload copy
/// and the subject strings NATS.Net already creates.
/// </summary>
public readonly record struct ChoriaMessage(string Subject, string? ReplyTo, ReadOnlyMemory<byte> Data);
