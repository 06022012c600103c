using System.Text.Encodings.Web;
using System.Text.Json;
using Choria.Client;

namespace Choria.Cli.Rendering;

/// <summary><c>choria req --json</c>: the go-choria 2020 shape, indented with 3 spaces.</summary>
internal static class RpcJsonRenderer
{
    private static readonly JsonWriterOptions s_options = new() { Indented = true, IndentSize = 3, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static string Render(RpcResult result)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, s_options))
        {
            w.WriteStartObject();
            w.WriteString("agent", result.Agent);
            w.WriteString("action", result.Action);
            w.WriteStartArray("replies");
            foreach (var reply in result.Replies.OrderBy(r => r.Sender, StringComparer.Ordinal))
            {
                w.WriteStartObject();
                w.WriteString("sender", reply.Sender);
                w.WriteNumber("statuscode", reply.StatusCode);
                w.WriteString("statusmsg", reply.StatusMessage);
                w.WritePropertyName("data");
                reply.Data.WriteTo(w);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            var s = result.Stats;
            w.WriteStartObject("request_stats");
            w.WriteString("requestid", s.RequestId);
            Strings(w, "no_responses", s.NoResponses);
            Strings(w, "unexpected_responses", s.UnexpectedResponses);
            w.WriteNumber("discovered", s.Discovered);
            w.WriteNumber("failed", s.Failed);
            w.WriteNumber("ok", s.Ok);
            w.WriteNumber("responses", s.Responded);
            w.WriteNumber("publish_time", s.PublishTime.TotalSeconds);
            w.WriteNumber("request_time", s.RequestTime.TotalSeconds);
            w.WriteNumber("discover_time", s.DiscoveryTime.TotalSeconds);
            w.WriteNumber("start_time_utc", s.StartTime.ToUnixTimeSeconds());
            w.WriteEndObject();
            w.WriteStartObject("summaries");
            foreach (var summary in result.Summaries)
            {
                w.WritePropertyName(summary.Output);
                if (summary.Function == "summary")
                {
                    w.WriteStartObject();
                    foreach (var (key, count) in summary.Counts)
                    {
                        w.WriteNumber(key, count);
                    }

                    w.WriteEndObject();
                }
                else if (summary.Value is { } v)
                {
                    w.WriteNumberValue(v);
                }
                else
                {
                    w.WriteNullValue();
                }
            }

            w.WriteEndObject();
            w.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    /// <summary><c>--senders --json</c>: a JSON array of the successful senders.</summary>
    public static string Senders(IEnumerable<string> senders)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true, IndentSize = 2, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartArray();
            foreach (var s in senders)
            {
                w.WriteStringValue(s);
            }

            w.WriteEndArray();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    private static void Strings(Utf8JsonWriter w, string name, IReadOnlyList<string> values)
    {
        w.WriteStartArray(name);
        foreach (var v in values)
        {
            w.WriteStringValue(v);
        }

        w.WriteEndArray();
    }
}
