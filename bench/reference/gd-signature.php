<?php
/**
 * Reference for the fresh-render benchmark: the same 600x200 forum signature as Marquee's
 * `signature` template (dark theme), drawn with PHP GD, the classic way such images are made.
 * It draws the same elements with the same Inter TTFs: a flat background in a rounded frame, the
 * title, a status pill, three now-playing rows (thumbnail, two text runs, badge, progress bar),
 * four stats with icons, a 48-point area sparkline, a library line and a right-aligned footer.
 * Like Marquee it measures text (imagettfbbox) to right-align and truncate. GD has no rounded
 * rectangles and no anti-aliased shapes, so those are rectangles plus filled arcs, jagged.
 *
 * With a draw list (Marquee's own layout of the signature for the benchmark's snapshot, as JSON),
 * it paints that instead: the same texts at the same places, the same bars and the same sparkline
 * points, so both sides draw the same content. Layout (measuring and cutting text) stays Marquee's
 * cost alone: GD only measures the text it aligns right or centre.
 *
 * usage: php gd-signature.php <fontsDir> <iterations> <warmup> [out.png|-] [drawlist.json]
 * prints JSON: {"width","height","bytes","sparklinePoints","samplesMs":[...]} (draw + imagepng into memory, each)
 */

[$script, $fonts, $iterations, $warmup] = $argv + [null, null, '200', '10'];
$out = ($argv[4] ?? '-') === '-' ? null : $argv[4];
$list = isset($argv[5]) ? json_decode(file_get_contents($argv[5]), true) : null;
$regular = "$fonts/Inter_400Regular.ttf";
$bold = "$fonts/Inter_700Bold.ttf";
$semi = "$fonts/Inter_600SemiBold.ttf";

function hex($im, string $hex, int $alpha = 0): int {
    return imagecolorallocatealpha($im, hexdec(substr($hex, 1, 2)), hexdec(substr($hex, 3, 2)), hexdec(substr($hex, 5, 2)), $alpha);
}

function roundedRect($im, int $x, int $y, int $w, int $h, int $r, int $colour): void {
    $r = min($r, intdiv($w, 2), intdiv($h, 2));
    imagefilledrectangle($im, $x + $r, $y, $x + $w - $r - 1, $y + $h - 1, $colour);
    imagefilledrectangle($im, $x, $y + $r, $x + $w - 1, $y + $h - $r - 1, $colour);
    if ($r <= 0) return;
    $d = 2 * $r;
    imagefilledarc($im, $x + $r, $y + $r, $d, $d, 180, 270, $colour, IMG_ARC_PIE);
    imagefilledarc($im, $x + $w - $r - 1, $y + $r, $d, $d, 270, 360, $colour, IMG_ARC_PIE);
    imagefilledarc($im, $x + $r, $y + $h - $r - 1, $d, $d, 90, 180, $colour, IMG_ARC_PIE);
    imagefilledarc($im, $x + $w - $r - 1, $y + $h - $r - 1, $d, $d, 0, 90, $colour, IMG_ARC_PIE);
}

/** Text with its top at $y (GD's y is the baseline), px sizes as in the template (pt = px * 0.75). */
function text($im, string $font, float $px, int $x, int $y, int $colour, string $s, ?int $maxW = null, bool $right = false): void {
    $pt = $px * 0.75;
    $box = imagettfbbox($pt, 0, $font, $s);
    $w = $box[2] - $box[0];
    if ($maxW !== null) {
        while ($w > $maxW && mb_strlen($s) > 1) {
            $s = mb_substr($s, 0, -2) . '…';
            $box = imagettfbbox($pt, 0, $font, $s);
            $w = $box[2] - $box[0];
        }
    }
    imagettftext($im, $pt, 0, $right ? $x - $w : $x, (int) round($y + $px * 0.8), $colour, $font, $s);
}

function bar($im, int $x, int $y, int $w, int $h, float $fraction, int $track, int $fill): void {
    roundedRect($im, $x, $y, $w, $h, intdiv($h, 2), $track);
    if ($fraction > 0) roundedRect($im, $x, $y, max($h, (int) ($w * $fraction)), $h, intdiv($h, 2), $fill);
}

function draw(string $regular, string $bold, string $semi): GdImage {
    $im = imagecreatetruecolor(600, 200);
    imagealphablending($im, true);
    $c = [
        'bg' => hex($im, '#15181d'), 'border' => hex($im, '#2b3038'), 'title' => hex($im, '#f2f4f7'), 'text' => hex($im, '#c8ced8'),
        'muted' => hex($im, '#8b94a3'), 'accent' => hex($im, '#4f9dff'), 'panel' => hex($im, '#222730'), 'warn' => hex($im, '#e3b341'),
        'ok' => hex($im, '#3fb950'), 'area' => hex($im, '#4f9dff', 90),
    ];
    // Frame: border, then the background inset by one pixel.
    roundedRect($im, 0, 0, 600, 200, 8, $c['border']);
    roundedRect($im, 1, 1, 598, 198, 7, $c['bg']);
    // Header: chevron icon, title, status pill.
    imagefilledpolygon($im, [16, 16, 24, 16, 33, 25, 24, 34, 16, 34, 25, 25], $c['accent']);
    text($im, $bold, 18, 42, 14, $c['title'], 'Plex Media Server', 380);
    roundedRect($im, 430, 14, 156, 22, 11, $c['warn']);
    roundedRect($im, 431, 15, 154, 20, 10, $c['panel']);
    imagefilledellipse($im, 490, 25, 6, 6, $c['warn']);
    text($im, $bold, 11, 498, 19, $c['warn'], 'BUSY');
    // Now playing: three rows.
    $rows = [['The Long Voyage Home', '1940 · alice', 'D', 0.42], ['Pilot', 'Northern Lights · bob', 'T', 0.81], ['Blue in Green', 'Miles Davis · paused', 'C', 0.1]];
    foreach ($rows as $i => [$title, $sub, $badge, $progress]) {
        $y = 48 + $i * 40;
        roundedRect($im, 14, $y, 22, 32, 3, $c['panel']);
        text($im, $bold, 12, 44, $y, $c['title'], $title, 270);
        text($im, $regular, 11, 44, $y + 15, $c['muted'], $sub, 270);
        roundedRect($im, 326, $y + 1, 12, 12, 2, $c['panel']);
        text($im, $semi, 9, 329, $y + 2, $c['ok'], $badge);
        bar($im, 44, $y + 30, 296, 3, $progress, $c['border'], $c['accent']);
    }
    imagefilledrectangle($im, 354, 50, 354, 165, $c['border']);
    // Stats: icon, label, value.
    $stats = [[368, 48, 'Streams', '3'], [480, 48, 'Bandwidth', '12.8 Mbps'], [368, 86, 'CPU', '38%'], [480, 86, 'Plays 24h', '23']];
    foreach ($stats as [$x, $y, $label, $value]) {
        imagefilledpolygon($im, [$x + 2, $y + 6, $x + 14, $y + 13, $x + 2, $y + 20], $c['accent']);
        text($im, $regular, 10, $x + 24, $y, $c['muted'], $label, 82);
        text($im, $bold, 15, $x + 24, $y + 13, $c['title'], $value, 82);
    }
    // Sparkline: label, peak, area with alpha, then the line on top.
    text($im, $regular, 10, 368, 126, $c['muted'], 'Streams, last 24 h');
    text($im, $bold, 10, 586, 126, $c['title'], 'peak 6', null, true);
    $points = [];
    for ($i = 0; $i < 48; $i++) {
        $v = (sin($i / 5) + 1) * 2 + ($i % 7 === 0 ? 1.5 : 0);
        $points[] = [368 + (int) round($i * 218 / 47), 168 - (int) round($v / 6 * 28)];
    }
    $poly = [368, 168];
    foreach ($points as [$x, $y]) array_push($poly, $x, $y);
    array_push($poly, 586, 168);
    imagefilledpolygon($im, $poly, $c['area']);
    imagesetthickness($im, 2);
    for ($i = 1; $i < 48; $i++) imageline($im, $points[$i - 1][0], $points[$i - 1][1], $points[$i][0], $points[$i][1], $c['accent']);
    imagesetthickness($im, 1);
    // Footer line: library totals, and the time right-aligned.
    text($im, $regular, 11, 14, 176, $c['text'], '1,234 movies · 156 shows · 8,765 episodes · 48.2 TB on disk', 400);
    text($im, $regular, 10, 586, 177, $c['muted'], 'updated 2:04 PM', 166, true);
    return $im;
}

function rgba($im, array $c): int {
    return imagecolorallocatealpha($im, (int) $c['r'], (int) $c['g'], (int) $c['b'], (int) round((1 - $c['a']) * 127));
}

/** A gradient is drawn in its first colour: GD has no gradients, and the signature's default theme has none. */
function fillColour($im, array $fill): int {
    return rgba($im, isset($fill['stops']) ? $fill['stops'][0] : $fill);
}

/** Paints Marquee's draw list (scale 1) with GD. */
function paintList(array $list, array $fonts): GdImage {
    $im = imagecreatetruecolor($list['width'], $list['height']);
    imagealphablending($im, false);
    imagefill($im, 0, 0, imagecolorallocatealpha($im, 0, 0, 0, 127));
    imagealphablending($im, true);
    imagesavealpha($im, true);
    foreach ($list['ops'] as $op) {
        switch ($op['op']) {
            case 'rect':
                $r = (int) round(is_array($op['radius']) ? max($op['radius']) : $op['radius']);
                [$x, $y, $w, $h] = [(int) round($op['x']), (int) round($op['y']), (int) round($op['w']), (int) round($op['h'])];
                if ($w <= 0 || $h <= 0) break;
                if ($op['fill'] !== null) roundedRect($im, $x, $y, $w, $h, $r, fillColour($im, $op['fill']));
                if ($op['stroke'] !== null) imagerectangle($im, $x, $y, $x + $w - 1, $y + $h - 1, rgba($im, $op['stroke']));
                break;
            case 'text':
                $px = $op['font']['size'];
                $font = $fonts[$op['font']['weight']] ?? $fonts[400];
                $x = $op['x'];
                if ($op['align'] !== 'left') {
                    $box = imagettfbbox($px * 0.75, 0, $font, $op['text']);
                    $x -= ($box[2] - $box[0]) / ($op['align'] === 'right' ? 1 : 2);
                }
                imagettftext($im, $px * 0.75, 0, (int) round($x), (int) round($op['y']), rgba($im, $op['colour']), $font, $op['text']);
                break;
            case 'poly':
                $pts = array_map(fn ($v) => (int) round($v), $op['points']);
                $n = intdiv(count($pts), 2);
                if ($op['fill'] !== null && $n >= 3) imagefilledpolygon($im, $pts, rgba($im, $op['fill']));
                if ($op['stroke'] !== null) {
                    imagesetthickness($im, max(1, (int) round($op['lineWidth'])));
                    $c = rgba($im, $op['stroke']);
                    for ($i = 1; $i < $n; $i++) imageline($im, $pts[2 * $i - 2], $pts[2 * $i - 1], $pts[2 * $i], $pts[2 * $i + 1], $c);
                    if ($op['closed'] && $n > 2) imageline($im, $pts[2 * $n - 2], $pts[2 * $n - 1], $pts[0], $pts[1], $c);
                    imagesetthickness($im, 1);
                }
                break;
            case 'circle':
                $d = (int) round(2 * $op['r']);
                imagefilledellipse($im, (int) round($op['cx']), (int) round($op['cy']), $d, $d, rgba($im, $op['fill']));
                break;
            case 'arc':
                $d = (int) round(2 * $op['r']);
                imagesetthickness($im, max(1, (int) round($op['lineWidth'])));
                imagearc($im, (int) round($op['cx']), (int) round($op['cy']), $d, $d, (int) round(rad2deg($op['start'])), (int) round(rad2deg($op['end'])), rgba($im, $op['colour']));
                imagesetthickness($im, 1);
                break;
            case 'icon':
                // GD has no vector paths: a filled triangle the icon's size stands in for its glyph.
                [$x, $y, $z] = [(int) round($op['x']), (int) round($op['y']), (int) round($op['size'])];
                imagefilledpolygon($im, [$x + 2, $y + 2, $x + $z - 2, $y + intdiv($z, 2), $x + 2, $y + $z - 2], rgba($im, $op['colour']));
                break;
            case 'image':
                // No posters in the benchmark's input: Marquee draws none either.
                break;
            case 'clip':
                imagesetclip($im, (int) $op['x'], (int) $op['y'], (int) ($op['x'] + $op['w'] - 1), (int) ($op['y'] + $op['h'] - 1));
                break;
            case 'restore':
                imagesetclip($im, 0, 0, $list['width'] - 1, $list['height'] - 1);
                break;
        }
    }
    return $im;
}

/** The line of the sparkline (not its area or axis): its point count is the content to match. */
function sparklinePoints(?array $list): ?int {
    if ($list === null) return 48;
    foreach ($list['ops'] as $op) {
        if ($op['op'] === 'poly' && ($op['tag'] ?? '') === 'sparkline:series.streams') return intdiv(count($op['points']), 2);
    }
    return 0;
}

function encode(GdImage $im): string {
    ob_start();
    imagepng($im); // default level (-1): zlib 6, as a GD script would ship
    return ob_get_clean();
}

$fontsByWeight = [400 => $regular, 600 => $semi, 700 => $bold];
$paint = $list === null ? fn () => draw($regular, $bold, $semi) : fn () => paintList($list, $fontsByWeight);
for ($i = 0; $i < (int) $warmup; $i++) encode($paint());
$samples = [];
$png = '';
for ($i = 0; $i < (int) $iterations; $i++) {
    $t0 = hrtime(true);
    $png = encode($paint());
    $samples[] = (hrtime(true) - $t0) / 1e6;
}
if ($out !== null) file_put_contents($out, $png);
echo json_encode([
    'width' => $list['width'] ?? 600,
    'height' => $list['height'] ?? 200,
    'bytes' => strlen($png),
    'sparklinePoints' => sparklinePoints($list),
    'samplesMs' => $samples,
]), "\n";
