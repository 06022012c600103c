namespace Choria.Protocol.Lifecycle;

public enum LifecycleEventType
{
    Startup,
    Shutdown,
    Alive,
    Provisioned,
}
