namespace Choria.Security;

/// <summary>Runs <c>puppet apply --configprint ssldir</c>; injectable because it takes seconds and needs Puppet.</summary>
public interface IPuppetConfigPrinter
{
    /// <summary>The ssldir Puppet reports, or null when Puppet is unavailable or fails.</summary>
    Task<string?> SslDirAsync(CancellationToken cancellationToken);
}
