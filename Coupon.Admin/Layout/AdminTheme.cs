using MudBlazor;

namespace Coupon.Admin.Layout;

public static class AdminTheme
{
    public static readonly MudTheme Theme = new()
    {
        PaletteLight = new PaletteLight
        {
            Primary = "#3f51b5",
            AppbarBackground = "#283593",
            Background = "#f5f6fa",
        },
    };
}
