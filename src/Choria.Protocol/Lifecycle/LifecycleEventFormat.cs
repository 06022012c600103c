namespace Choria.Protocol.Lifecycle;

/// <summary>The two encodings readers must accept (docs/server.md).</summary>
public enum LifecycleEventFormat
{
    /// <summary>The bare event object (<c>legacy_lifecycle_format=true</c>).</summary>
    Choria,

    /// <summary>CloudEvents 1.0 wrapper, the 2020 default.</summary>
    CloudEvent,
}
