using Coupon.Admin.Api;
using Microsoft.AspNetCore.Components;

namespace Coupon.Admin.Components;

// A page whose data comes from the api: it loads once the circuit knows the operator's time
// zone, then (when RefreshPeriod is set) again every period with one call per tick, and turns
// api failures into the banner state instead of an exception. The timer stops with the page.
public abstract class ApiPage : ComponentBase, IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private Task? _refreshing;

    [Inject]
    private OperatorTimeZone TimeZones { get; set; } = default!;

    [Inject]
    protected TimeProvider Time { get; set; } = default!;

    protected TimeZoneInfo Zone { get; private set; } = TimeZoneInfo.Utc;

    protected bool Loading { get; private set; } = true;

    // Set while the api cannot be reached; the page keeps its last data and keeps trying.
    protected string? Unavailable { get; private set; }

    // Set when the api refused the last load (for example an unknown campaign).
    protected ApiProblem? Problem { get; private set; }

    protected DateTimeOffset? LastUpdated { get; private set; }

    protected virtual TimeSpan? RefreshPeriod => TimeSpan.FromSeconds(1);

    protected abstract Task LoadAsync(CancellationToken cancellationToken);

    protected override async Task OnAfterRenderAsync(bool firstRender)
    {
        if (!firstRender)
            return;

        Zone = await TimeZones.GetAsync();
        await RefreshAsync();
        StateHasChanged();
        if (RefreshPeriod is { } period)
            _refreshing = RefreshEveryAsync(period);
    }

    // Loads now (after an edit, or on the operator's demand) instead of waiting for the tick.
    protected async Task RefreshAsync()
    {
        try
        {
            await LoadAsync(_stop.Token);
            Unavailable = null;
            Problem = null;
            LastUpdated = Time.GetUtcNow();
        }
        catch (ApiUnavailableException e)
        {
            Unavailable = e.Message;
        }
        catch (ApiProblemException e)
        {
            Problem = e.Problem;
        }
        finally
        {
            Loading = false;
        }
    }

    private async Task RefreshEveryAsync(TimeSpan period)
    {
        using var timer = new PeriodicTimer(period, Time);
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token))
            {
                await RefreshAsync();
                await InvokeAsync(StateHasChanged);
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
            // The page was closed.
        }
        catch (Exception e)
        {
            // Anything but an api failure is a bug: the layout's error boundary shows it, not a stack trace.
            await InvokeAsync(() => DispatchExceptionAsync(e));
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        if (_refreshing is not null)
            await _refreshing;
        _stop.Dispose();
        GC.SuppressFinalize(this);
    }
}
