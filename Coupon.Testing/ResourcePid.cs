using System.Globalization;
using Aspire.Hosting.ApplicationModel;

namespace Coupon.Testing;

// The process DCP started for an executable or project resource, as its snapshot reports it (the
// dashboard's "executable.pid"; Aspire keeps the constant internal). For a project that is the
// `dotnet run` wrapper: ProjectApplication finds the application under it.
public static class ResourcePid
{
    public const string PropertyName = "executable.pid";

    public static int? Of(CustomResourceSnapshot snapshot) =>
        snapshot.Properties.FirstOrDefault(property => property.Name == PropertyName)?.Value is { } pid
            ? Convert.ToInt32(pid, CultureInfo.InvariantCulture)
            : null;
}
