using System.Globalization;

namespace Choria.Emulator;

/// <summary>
/// <c>--name value</c> pairs and bare <c>--flag</c>s of one sub-command. A bench tool, so a small parser
/// with clear errors rather than a dependency on the CLI stack.
/// </summary>
internal sealed class Args
{
    private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);
    private readonly HashSet<string> _flags = new(StringComparer.Ordinal);

    private Args()
    {
    }

    public static bool TryParse(IEnumerable<string> args, IReadOnlySet<string> flags, out Args parsed, out string error)
    {
        parsed = new Args();
        error = "";
        using var e = args.GetEnumerator();
        while (e.MoveNext())
        {
            var name = e.Current;
            if (!name.StartsWith("--", StringComparison.Ordinal))
            {
                error = $"unexpected argument {name}";
                return false;
            }

            if (flags.Contains(name))
            {
                parsed._flags.Add(name);
                continue;
            }

            if (!e.MoveNext())
            {
                error = $"missing value for {name}";
                return false;
            }

            parsed._values[name] = e.Current;
        }

        return true;
    }

    public bool Flag(string name) => _flags.Contains(name);

    public string String(string name, string fallback) => _values.GetValueOrDefault(name, fallback);

    public string Required(string name) =>
        _values.TryGetValue(name, out var v) ? v : throw new ArgumentException($"{name} is required");

    public int Int(string name, int fallback)
    {
        if (!_values.TryGetValue(name, out var text))
        {
            return fallback;
        }

        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new ArgumentException($"{name} must be a non-negative integer, got '{text}'");
    }

    public double Double(string name, double fallback)
    {
        if (!_values.TryGetValue(name, out var text))
        {
            return fallback;
        }

        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && value > 0
            ? value
            : throw new ArgumentException($"{name} must be a positive number, got '{text}'");
    }
}
