using System.Globalization;

namespace Choria.Broker.Network;

/// <summary>
/// A <c>host:port</c> taken from a peer/remote entry (docs/protocol.md): user-info and path are dropped,
/// the caller's scheme always wins, a missing or out-of-range port is an error.
/// </summary>
internal sealed record PeerUrl(string Scheme, string Host, int Port)
{
    public static PeerUrl Parse(string entry, string what, string scheme)
    {
        var text = entry.Trim();
        var withScheme = text.Contains("://", StringComparison.Ordinal) ? text : "nats://" + text;
        if (text.Length == 0 || !Uri.TryCreate(withScheme, UriKind.Absolute, out var uri) || string.IsNullOrEmpty(uri.Host))
        {
            throw new BrokerConfigException($"invalid {what} URL '{entry}': expected host:port or scheme://host:port");
        }

        if (uri.Port <= 0 || !HasExplicitPort(text))
        {
            throw new BrokerConfigException($"invalid {what} URL '{entry}': a port is required");
        }

        if (uri.AbsolutePath is not ("/" or ""))
        {
            throw new BrokerConfigException($"invalid {what} URL '{entry}': unexpected path '{uri.AbsolutePath}'");
        }

        return new PeerUrl(scheme, uri.Host, uri.Port);
    }

    public string ToUrl() => $"{Scheme}://{Host}:{Port.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>nats-server only sends route credentials embedded in the URL (docs/broker.md caveat).</summary>
    public string ToRouteUrl(string? user, string? password) =>
        user is null || password is null
            ? ToUrl()
            : $"{Scheme}://{Uri.EscapeDataString(user)}:{Uri.EscapeDataString(password)}@{Host}:{Port.ToString(CultureInfo.InvariantCulture)}";

    // Uri fills in default ports for known schemes (e.g. 443 for https), so check the text itself.
    private static bool HasExplicitPort(string text)
    {
        var afterScheme = text.Contains("://", StringComparison.Ordinal) ? text[(text.IndexOf("://", StringComparison.Ordinal) + 3)..] : text;
        var authority = afterScheme.Split('/')[0];
        var at = authority.LastIndexOf('@');
        if (at >= 0)
        {
            authority = authority[(at + 1)..];
        }

        var colon = authority.LastIndexOf(':');
        return colon > authority.LastIndexOf(']') && colon < authority.Length - 1;
    }
}
