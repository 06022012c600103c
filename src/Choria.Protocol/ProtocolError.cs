namespace Choria.Protocol;

/// <summary>A typed decoding failure with a human-readable reason.</summary>
public sealed record ProtocolError(ProtocolErrorReason Reason, string Message)
{
    public override string ToString() => $"{Reason}: {Message}";
}
