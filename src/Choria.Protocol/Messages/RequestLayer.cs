namespace Choria.Protocol.Messages;

/// <summary>The layer of a request a decode stopped at; a server counts each as its own drop reason.</summary>
public enum RequestLayer
{
    None,
    Transport,
    SecureRequest,
    Request,
}
