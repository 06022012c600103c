using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Choria.Cli.Hosting;
using Choria.Connector;

namespace Choria.Cli.Commands.Tool;

/// <summary>
/// <c>choria tool sub SUBJECT</c>: prints every message on a NATS subject (docs/cli-tools.md). Runs until
/// interrupted, or until <c>--count</c> messages arrived or <c>--timeout</c> passed; all of these exit 0.
/// </summary>
public static class ToolSubCommand
{
    private static readonly ToolSubJsonContext s_json = new(new JsonSerializerOptions
    {
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });

    public static Command Create()
    {
        var subject = new Argument<string>("subject") { Description = "The subject to subscribe to, wildcards allowed" };
        var raw = new Option<bool>("--raw") { Description = "Show only the message bodies, one per line, without a banner" };
        var json = new Option<bool>("--json") { Description = "Show one JSON object per message" };
        var count = new Option<int>("--count") { Description = "Exit after receiving this many messages" };
        count.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() < 0)
            {
                r.AddError("--count must not be negative");
            }
        });
        var timeout = RawNats.DurationOption("--timeout", "Exit after this long, e.g. 30s or 5m");
        var connectTimeout = RawNats.ConnectTimeoutOption();

        var cmd = new Command("sub", "Subscribe to middleware topics");
        cmd.Arguments.Add(subject);
        cmd.Options.Add(raw);
        cmd.Options.Add(json);
        cmd.Options.Add(count);
        cmd.Options.Add(timeout);
        cmd.Options.Add(connectTimeout);
        cmd.Validators.Add(r =>
        {
            if (r.GetValue(raw) && r.GetValue(json))
            {
                r.AddError("--raw and --json can not be used together");
            }
        });
        cmd.SetAction(async (parse, ct) => await CliRuntime.RunAsync(parse, async ct2 =>
        {
            var mode = parse.GetValue(json) ? SubOutput.Json : parse.GetValue(raw) ? SubOutput.Raw : SubOutput.Text;
            var topic = parse.GetValue(subject)!;
            using var framework = await CliRuntime.ClientFrameworkAsync(parse, ct2);
            await using var connection = await RawNats.ConnectAsync(framework, RawNats.ValueOr(parse, connectTimeout, RawNats.DefaultConnectTimeout), ct2);
            await using var subscription = await connection.SubscribeAsync(topic, cancellationToken: ct2);

            var output = parse.InvocationConfiguration.Output;
            if (mode == SubOutput.Text)
            {
                await output.WriteLineAsync($"Waiting for messages from topic {topic} on {connection.ConnectedServerUrl}");
                await output.FlushAsync(ct2);
            }

            using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct2);
            if (parse.GetResult(timeout) is not null)
            {
                stop.CancelAfter(parse.GetValue(timeout));
            }

            await ReceiveAsync(subscription, topic, mode, parse.GetValue(count), output, stop.Token);
            return 0;
        }, ct));
        return cmd;
    }

    /// <summary>Reads until <paramref name="limit"/> messages (0: no limit) or cancellation, which is a normal end.</summary>
    private static async Task ReceiveAsync(ChoriaSubscription subscription, string topic, SubOutput mode, int limit, TextWriter output, CancellationToken cancellationToken)
    {
        var received = 0;
        try
        {
            await foreach (var msg in subscription.ReadAllAsync(cancellationToken))
            {
                await output.WriteAsync(Render(msg, topic, mode, TimeProvider.System.GetLocalNow()));
                await output.FlushAsync(cancellationToken);
                if (limit > 0 && ++received >= limit)
                {
                    return;
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Interrupted or --timeout passed: both are the expected way to stop.
        }
    }

    internal static string Render(ChoriaMessage msg, string topic, SubOutput mode, DateTimeOffset received)
    {
        var body = Encoding.UTF8.GetString(msg.Data.Span);
        switch (mode)
        {
            case SubOutput.Raw:
                return body + "\n";
            case SubOutput.Json:
                var record = new SubMessage(msg.Subject, msg.ReplyTo, body, received.ToString("o", CultureInfo.InvariantCulture));
                return JsonSerializer.Serialize(record, s_json.SubMessage) + "\n";
            default:
                var header = "---- " + received.ToString("HH:mm:ss", CultureInfo.InvariantCulture);
                if (msg.Subject != topic)
                {
                    header += " on topic " + msg.Subject;
                }

                return $"{header}\n{body}\n\n";
        }
    }
}

internal enum SubOutput
{
    Text,
    Raw,
    Json,
}

/// <summary>One line of <c>choria tool sub --json</c>.</summary>
internal sealed record SubMessage(
    [property: JsonPropertyName("subject")] string Subject,
    [property: JsonPropertyName("reply")] string? Reply,
    [property: JsonPropertyName("data")] string Data,
    [property: JsonPropertyName("time")] string Time);

[JsonSerializable(typeof(SubMessage))]
internal sealed partial class ToolSubJsonContext : JsonSerializerContext;
