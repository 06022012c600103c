namespace Choria.Client;

/// <summary>One ping reply: transport sender and round-trip latency.</summary>
public readonly record struct PingReply(string Sender, TimeSpan Latency);
