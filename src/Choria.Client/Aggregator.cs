using System.Globalization;
using System.Text.Json;
using Choria.Ddl;

namespace Choria.Client;

/// <summary>
/// Incremental DDL aggregates (MCollective <c>summary</c>, <c>average</c>, <c>sum</c>): fed one reply
/// at a time on the receive loop so no second pass over the result set is needed.
/// </summary>
public sealed class Aggregator
{
    private readonly List<State> _states = [];

    public Aggregator(ActionDdl? action)
    {
        if (action?.Aggregate is null)
        {
            return;
        }

        var seen = new HashSet<(string, string)>();
        foreach (var item in action.Aggregate)
        {
            var function = item.Function.ToLowerInvariant();
            if (item.OutputName is not { } output || function is not ("summary" or "average" or "sum") || !seen.Add((function, output)))
            {
                continue;
            }

            var displayAs = action.Output.TryGetValue(output, out var o) && o.DisplayAs.Length > 0 ? o.DisplayAs : output;
            _states.Add(new State(function, output, displayAs));
        }
    }

    public bool IsEmpty => _states.Count == 0;

    public void Add(RpcReply reply)
    {
        if (!reply.Ok || reply.Data.ValueKind != JsonValueKind.Object)
        {
            return;
        }

        foreach (var state in _states)
        {
            if (reply.Data.TryGetProperty(state.Output, out var value))
            {
                state.Add(value);
            }
        }
    }

    public IReadOnlyList<AggregateSummary> Results() => [.. _states.Select(s => s.Result())];

    private sealed class State(string function, string output, string displayAs)
    {
        private readonly Dictionary<string, int> _counts = new(StringComparer.Ordinal);
        private double _sum;
        private long _n;

        public string Output { get; } = output;

        public void Add(JsonElement value)
        {
            if (function == "summary")
            {
                // MCollective counts each element of an array reply separately (e.g. agent lists).
                if (value.ValueKind == JsonValueKind.Array)
                {
                    foreach (var item in value.EnumerateArray())
                    {
                        Count(Key(item));
                    }
                }
                else
                {
                    Count(Key(value));
                }
            }
            else if (value.ValueKind == JsonValueKind.Number && value.TryGetDouble(out var d))
            {
                _sum += d;
                _n++;
            }
        }

        public AggregateSummary Result() => function switch
        {
            "summary" => new AggregateSummary(function, Output, displayAs)
            {
                Counts = [.. _counts.OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key, StringComparer.Ordinal)],
            },
            "average" => new AggregateSummary(function, Output, displayAs) { Value = _n == 0 ? null : _sum / _n },
            _ => new AggregateSummary(function, Output, displayAs) { Value = _n == 0 ? null : _sum },
        };

        private void Count(string key) => _counts[key] = _counts.GetValueOrDefault(key) + 1;

        private static string Key(JsonElement value) => value.ValueKind switch
        {
            JsonValueKind.String => value.GetString() ?? "",
            JsonValueKind.Null => "nil",
            JsonValueKind.Number => value.GetRawText(),
            JsonValueKind.True => "true",
            JsonValueKind.False => "false",
            _ => value.GetRawText(),
        };
    }

    /// <summary>Formats a numeric aggregate like MCollective: integers without decimals, else 3 places.</summary>
    public static string FormatNumber(double value) =>
        value == Math.Floor(value) && Math.Abs(value) < 1e15
            ? value.ToString("0", CultureInfo.InvariantCulture)
            : value.ToString("0.000", CultureInfo.InvariantCulture);
}
