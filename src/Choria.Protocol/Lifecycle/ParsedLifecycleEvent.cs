namespace Choria.Protocol.Lifecycle;

public sealed record ParsedLifecycleEvent(LifecycleEvent Event, LifecycleEventFormat Format);
