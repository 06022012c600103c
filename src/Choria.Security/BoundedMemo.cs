using System.Collections.Concurrent;

namespace Choria.Security;

/// <summary>
/// Remembers what <c>compute</c> gave for a name (a certname, a callerid): every request asks about the same few. The
/// names come from senders, so at <c>capacity</c> everything is forgotten at once, which is cheap and rare.
/// </summary>
internal sealed class BoundedMemo<TValue>(int capacity, Func<string, TValue> compute)
{
    private readonly ConcurrentDictionary<string, TValue> _values = new(StringComparer.Ordinal);

    public TValue Get(string name)
    {
        if (_values.TryGetValue(name, out var value))
        {
            return value;
        }

        value = compute(name);
        if (_values.Count >= capacity)
        {
            _values.Clear();
        }

        _values[name] = value;
        return value;
    }
}
