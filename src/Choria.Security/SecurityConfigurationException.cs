namespace Choria.Security;

/// <summary>Thrown for configuration problems (missing key file), never for bad input from the network.</summary>
public sealed class SecurityConfigurationException : Exception
{
    public SecurityConfigurationException(string message) : base(message) { }

    public SecurityConfigurationException(string message, Exception inner) : base(message, inner) { }

    public SecurityConfigurationException() { }
}
