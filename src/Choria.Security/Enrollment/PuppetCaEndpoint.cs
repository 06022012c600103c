namespace Choria.Security.Enrollment;

/// <summary>Where the Puppet CA listens; always spoken to over https.</summary>
public sealed record PuppetCaEndpoint(string Host, int Port)
{
    public const string DefaultHost = "puppet";
    public const int DefaultPort = 8140;

    public Uri BaseUri => new UriBuilder(Uri.UriSchemeHttps, Host, Port).Uri;
}
