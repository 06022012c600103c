using Choria.Machine.Manifest;

namespace Choria.Machine.Runtime;

/// <summary>
/// The event-driven finite state machine of a manifest (docs/machines.md, "State machine"; ADR 0010): an event is
/// valid when the current state is one of its sources. Thread safe: watchers and RPC fire events concurrently.
/// </summary>
internal sealed class StateMachine
{
    private readonly IReadOnlyList<TransitionSpec> _transitions;
    private readonly Dictionary<string, TransitionSpec> _byName;
    private readonly Lock _lock = new();
    private string _current;

    public StateMachine(string initialState, IReadOnlyList<TransitionSpec> transitions)
    {
        _current = initialState;
        _transitions = transitions;
        _byName = new Dictionary<string, TransitionSpec>(StringComparer.Ordinal);
        foreach (var t in transitions)
        {
            _byName.TryAdd(t.Name, t);
        }
    }

    public string Current
    {
        get
        {
            lock (_lock)
            {
                return _current;
            }
        }
    }

    public bool Can(string transition)
    {
        lock (_lock)
        {
            return CanLocked(transition);
        }
    }

    /// <summary>Events valid from the current state, in manifest order.</summary>
    public IReadOnlyList<string> AvailableTransitions()
    {
        lock (_lock)
        {
            return [.. _transitions.Where(t => t.From.Contains(_current, StringComparer.Ordinal)).Select(t => t.Name)];
        }
    }

    /// <summary>Moves to the event's destination when the event is valid now; the change is atomic with the check.</summary>
    public bool TryFire(string transition, out string from, out string to)
    {
        lock (_lock)
        {
            from = _current;
            to = _current;
            if (!CanLocked(transition))
            {
                return false;
            }

            to = _byName[transition].Destination;
            _current = to;
            return true;
        }
    }

    private bool CanLocked(string transition) =>
        _byName.TryGetValue(transition, out var t) && t.From.Contains(_current, StringComparer.Ordinal);
}
