namespace Choria.Machine.Notifications;

/// <summary>Where a machine sends its events: NATS in the server, the console under <c>choria machine run</c>.</summary>
public interface IMachineNotifier
{
    void Transition(TransitionNotification notification);

    void WatcherState(WatcherStateNotification notification);
}
