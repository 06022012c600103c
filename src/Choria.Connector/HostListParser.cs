using System.Globalization;

namespace Choria.Connector;

/// <summary>
/// Parses Choria's comma separated broker lists (docs/protocol.md): entries are <c>host:port</c> or
/// <c>scheme://host:port</c>, IPv6 literals in brackets, a port is mandatory.
/// </summary>
public static class HostListParser
{
    /// <summary>
    /// Parses <paramref name="list"/>. A URL's own scheme is kept only when
    /// <paramref name="defaultScheme"/> is empty; every Choria caller passes one (usually <c>nats</c>).
    /// Blank entries are skipped; any other unparsable entry fails the whole list with an error
    /// naming it.
    /// </summary>
    public static bool TryParse(string? list, string defaultScheme, out IReadOnlyList<BrokerHost> hosts, out string? error)
    {
        var result = new List<BrokerHost>();
        hosts = result;
        error = null;
        if (string.IsNullOrWhiteSpace(list))
        {
            return true;
        }

        foreach (var raw in list.Split(','))
        {
            var entry = raw.Trim();
            if (entry.Length == 0)
            {
                continue;
            }

            if (!TryParseEntry(entry, defaultScheme, out var host, out var reason))
            {
                hosts = [];
                error = $"invalid broker host '{entry}': {reason}";
                return false;
            }

            result.Add(host);
        }

        return true;
    }

    /// <summary>Parses a single entry; see <see cref="TryParse"/>.</summary>
    public static bool TryParseEntry(string entry, string defaultScheme, out BrokerHost host, out string reason)
    {
        host = null!;
        reason = string.Empty;
        var scheme = defaultScheme;
        var hostPort = entry.Trim();

        var sep = hostPort.IndexOf("://", StringComparison.Ordinal);
        if (sep >= 0)
        {
            var urlScheme = hostPort[..sep];
            if (urlScheme.Length == 0)
            {
                reason = "empty URL scheme";
                return false;
            }

            if (scheme.Length == 0)
            {
                scheme = urlScheme.ToLowerInvariant();
            }

            // Only host:port of a URL survives: user-info, path and query are dropped.
            hostPort = hostPort[(sep + 3)..];
            var at = hostPort.LastIndexOf('@');
            if (at >= 0)
            {
                hostPort = hostPort[(at + 1)..];
            }

            var end = hostPort.IndexOfAny(['/', '?', '#']);
            if (end >= 0)
            {
                hostPort = hostPort[..end];
            }
        }

        if (scheme.Length == 0)
        {
            scheme = "nats";
        }

        if (!TrySplitHostPort(hostPort, out var name, out var portText, out reason))
        {
            return false;
        }

        if (!int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
        {
            reason = $"port '{portText}' is not a number between 1 and 65535";
            return false;
        }

        host = new BrokerHost(name, port, scheme);
        return true;
    }

    private static bool TrySplitHostPort(string hostPort, out string host, out string port, out string reason)
    {
        host = string.Empty;
        port = string.Empty;
        reason = string.Empty;

        if (hostPort.StartsWith('['))
        {
            var close = hostPort.IndexOf(']', StringComparison.Ordinal);
            if (close < 0)
            {
                reason = "missing ']' in IPv6 address";
                return false;
            }

            host = hostPort[1..close];
            var rest = hostPort[(close + 1)..];
            if (!rest.StartsWith(':'))
            {
                reason = "missing port";
                return false;
            }

            port = rest[1..];
        }
        else
        {
            var colon = hostPort.LastIndexOf(':');
            if (colon < 0)
            {
                reason = "missing port";
                return false;
            }

            host = hostPort[..colon];
            port = hostPort[(colon + 1)..];
            if (host.Contains(':', StringComparison.Ordinal))
            {
                reason = "too many colons (IPv6 addresses need brackets)";
                return false;
            }
        }

        // Choria trims the trailing dot of fully qualified names before using them.
        host = host.TrimEnd('.');
        if (host.Length == 0)
        {
            reason = "missing host";
            return false;
        }

        if (host.Any(char.IsWhiteSpace))
        {
            reason = "host contains whitespace";
            return false;
        }

        if (port.Length == 0)
        {
            reason = "missing port";
            return false;
        }

        return true;
    }
}
