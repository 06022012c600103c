namespace Choria.Security.Enrollment;

/// <summary>Enrollment could not complete; the message is meant for the user.</summary>
public sealed class EnrollmentException : Exception
{
    public EnrollmentException()
    {
    }

    public EnrollmentException(string message)
        : base(message)
    {
    }

    public EnrollmentException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
