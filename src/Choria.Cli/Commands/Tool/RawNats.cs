using System.CommandLine;
using System.CommandLine.Parsing;
using Choria.Config.Settings;
using Choria.Connector;
using Choria.Framework;

namespace Choria.Cli.Commands.Tool;

/// <summary>Connection and option plumbing shared by <c>tool sub</c> and <c>tool pub</c>.</summary>
internal static class RawNats
{
    /// <summary>
    /// The connector retries the initial connect forever; an interactive tool must give up, so the attempt is
    /// bounded and a timeout becomes an ordinary error.
    /// </summary>
    public static Option<TimeSpan> ConnectTimeoutOption() =>
        DurationOption("--connect-timeout", $"How long to try connecting to the broker before failing (default {Format(DefaultConnectTimeout)})");

    public static TimeSpan DefaultConnectTimeout { get; } = TimeSpan.FromSeconds(5);

    /// <summary>The option's value, or <paramref name="fallback"/> when it was not given.</summary>
    public static TimeSpan ValueOr(ParseResult parse, Option<TimeSpan> option, TimeSpan fallback) =>
        parse.GetResult(option) is null ? fallback : parse.GetValue(option);

    /// <summary>A Go style duration (<c>5s</c>, <c>1m30s</c>; bare digits are seconds) that must be positive.</summary>
    public static Option<TimeSpan> DurationOption(string name, string description) => new(name)
    {
        Description = description,
        CustomParser = Parse,
    };

    public static async Task<ChoriaConnection> ConnectAsync(ChoriaFramework framework, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bounded.CancelAfter(timeout);
        try
        {
            return await framework.ConnectAsync(framework.Certname, allowFederation: false, bounded.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"could not connect to the Choria broker within {Format(timeout)}");
        }
    }

    public static string Format(TimeSpan d) => d.TotalSeconds == Math.Floor(d.TotalSeconds) ? $"{(long)d.TotalSeconds}s" : d.ToString();

    private static TimeSpan Parse(ArgumentResult result)
    {
        var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : "";
        if (ValueParser.TryParseDuration(text, out var d) && d > TimeSpan.Zero)
        {
            return d;
        }

        result.AddError($"invalid duration '{text}' for {(result.Parent as OptionResult)?.Option.Name}: use e.g. 5s, 1m or 1h30m");
        return default;
    }
}
