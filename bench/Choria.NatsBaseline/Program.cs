using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Choria.NatsBaseline;

if (!BaselineOptions.TryParse(args, out var options, out var error))
{
    await Console.Error.WriteLineAsync(error + "\n" + BaselineOptions.Usage).ConfigureAwait(false);
    return 2;
}

using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancel.Cancel();
};

IReadOnlyList<RoundResult> rounds;
TimeSpan connectTime;
await using (var baseline = new FanOutBaseline(options))
{
    await baseline.ConnectRespondersAsync(cancel.Token).ConfigureAwait(false);
    connectTime = baseline.ConnectTime;
    rounds = await baseline.RunRoundsAsync(cancel.Token).ConfigureAwait(false);
}

var summary = BaselineSummary.From(options, connectTime, rounds);
if (options.Json)
{
    Console.WriteLine(JsonSerializer.Serialize(summary, BaselineJson.Default.BaselineSummary));
}
else
{
    var inv = CultureInfo.InvariantCulture;
    Console.WriteLine(string.Format(inv, "url={0} nodes={1} rounds={2} payload={3}B connect={4:F2}s",
        options.Url, options.Nodes, options.Rounds, options.PayloadBytes, connectTime.TotalSeconds));
    foreach (var round in rounds)
    {
        Console.WriteLine(string.Format(inv, "round {0,3}: {1}/{2} replies, last after {3:F2} ms{4}",
            round.Round, round.Received, options.Nodes, round.MillisecondsToLastReply, round.TimedOut ? " (timed out)" : ""));
    }

    Console.WriteLine(string.Format(inv, "publish→last reply: median {0:F2} ms, min {1:F2} ms, max {2:F2} ms; replies {3}/{4}",
        summary.MedianMs, summary.MinMs, summary.MaxMs, summary.RepliesReceived, summary.RepliesExpected));
}

return summary.RepliesReceived == summary.RepliesExpected ? 0 : 1;

namespace Choria.NatsBaseline
{
    /// <summary>The machine-readable result consumed by the scale script.</summary>
    internal sealed record BaselineSummary(
        string Url,
        int Nodes,
        int Rounds,
        int PayloadBytes,
        double ConnectSeconds,
        double MedianMs,
        double MinMs,
        double MaxMs,
        long RepliesReceived,
        long RepliesExpected,
        IReadOnlyList<RoundResult> RoundResults)
    {
        public static BaselineSummary From(BaselineOptions options, TimeSpan connect, IReadOnlyList<RoundResult> rounds)
        {
            var times = rounds.Select(r => r.MillisecondsToLastReply).Order().ToArray();
            var median = times.Length == 0 ? 0
                : times.Length % 2 == 1 ? times[times.Length / 2]
                : (times[(times.Length / 2) - 1] + times[times.Length / 2]) / 2;
            return new BaselineSummary(
                options.Url,
                options.Nodes,
                options.Rounds,
                options.PayloadBytes,
                connect.TotalSeconds,
                median,
                times.FirstOrDefault(),
                times.LastOrDefault(),
                rounds.Sum(r => (long)r.Received),
                (long)options.Nodes * options.Rounds,
                rounds);
        }
    }

    [JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
    [JsonSerializable(typeof(BaselineSummary))]
    internal sealed partial class BaselineJson : JsonSerializerContext;
}
