namespace Choria.Provisioner;

/// <summary>A helper that refused, failed or answered something unusable; <see cref="Reason"/> is the metrics label.</summary>
public sealed class HelperException(string reason, string message) : Exception(message)
{
    public string Reason { get; } = reason;
}
