using System.Globalization;
using Choria.Client;

namespace Choria.Cli.Rendering;

/// <summary><c>choria ping</c> output (docs/client.md format).</summary>
internal static class PingRenderer
{
    public static string Line(PingReply reply) =>
        string.Create(CultureInfo.InvariantCulture, $"{reply.Sender,-40} time={reply.Latency.TotalMilliseconds:0.000} ms");

    /// <summary>The <c>N replies max: min: avg:</c> line in milliseconds with 2 decimals.</summary>
    public static string Statistics(IReadOnlyList<PingReply> replies)
    {
        if (replies.Count == 0)
        {
            return "0 replies";
        }

        var ms = replies.Select(r => r.Latency.TotalMilliseconds).ToList();
        return string.Create(CultureInfo.InvariantCulture, $"{replies.Count} replies max: {ms.Max():0.00} min: {ms.Min():0.00} avg: {ms.Average():0.00}");
    }

    /// <summary>Replies per 50 ms bucket from 0 to the slowest reply.</summary>
    public static IReadOnlyList<int> Buckets(IReadOnlyList<PingReply> replies, double bucketMs = 50)
    {
        if (replies.Count == 0)
        {
            return [];
        }

        var max = replies.Max(r => r.Latency.TotalMilliseconds);
        var buckets = new int[(int)(max / bucketMs) + 1];
        foreach (var r in replies)
        {
            buckets[(int)(r.Latency.TotalMilliseconds / bucketMs)]++;
        }

        return buckets;
    }

    /// <summary><c>--graph</c>: a line chart of replies per 50 ms bin (height 15, width 60, offset 5).</summary>
    public static string Graph(IReadOnlyList<PingReply> replies) =>
        LineChart.Plot([.. Buckets(replies).Select(b => (double)b)], height: 15, width: 60, offset: 5, caption: "Responses per 50ms");
}
