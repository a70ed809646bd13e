#!/usr/bin/env bash
# Regenerates every file in examples/assets/ from scratch: nothing is downloaded, everything is drawn or
# synthesised here, so the provenance of the example media is this script.
#
# CI does NOT run this script: its outputs are committed. Run it by hand after changing it:
#
#   apt-get update && apt-get install -y espeak-ng sox imagemagick librsvg2-bin   # Debian/Ubuntu, as root
#   pnpm install                                                                  # for the npm ffmpeg (MP3)
#   bash examples/scripts/make-assets.sh
#
# Tools: rsvg-convert (SVG -> PNG), ImageMagick `convert` (crop/resize/JPEG), espeak-ng (speech), sox
# (resample/normalise), and the ffmpeg shipped by @ffmpeg-installer/ffmpeg (MP3; skipped if it has no
# libmp3lame).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
OUT="$ROOT/examples/assets"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$OUT"

for tool in rsvg-convert convert espeak-ng sox; do
  command -v "$tool" >/dev/null || { echo "missing $tool (see the apt-get line at the top)" >&2; exit 1; }
done

# ---------------------------------------------------------------------------------------------------
# Portrait: an original, stylised head-and-shoulders presenter drawn as SVG.
# presenter_svg BG_TOP BG_BOTTOM SKIN SKIN_SHADE HAIR JACKET JACKET_DARK SHIRT ACCENT
# ---------------------------------------------------------------------------------------------------
presenter_svg() {
cat <<SVG
<svg xmlns="http://www.w3.org/2000/svg" width="768" height="1024" viewBox="0 0 768 1024">
  <defs>
    <linearGradient id="bg" x1="0" y1="0" x2="0.3" y2="1">
      <stop offset="0" stop-color="$1"/>
      <stop offset="1" stop-color="$2"/>
    </linearGradient>
    <radialGradient id="face" cx="0.45" cy="0.4" r="0.7">
      <stop offset="0" stop-color="$3"/>
      <stop offset="1" stop-color="$4"/>
    </radialGradient>
    <linearGradient id="jacket" x1="0" y1="0" x2="0" y2="1">
      <stop offset="0" stop-color="$6"/>
      <stop offset="1" stop-color="$7"/>
    </linearGradient>
  </defs>
  <rect width="768" height="1024" fill="url(#bg)"/>
  <circle cx="110" cy="170" r="96" fill="#ffffff" fill-opacity="0.22"/>
  <circle cx="668" cy="250" r="140" fill="#ffffff" fill-opacity="0.16"/>
  <circle cx="600" cy="96" r="42" fill="#ffffff" fill-opacity="0.28"/>
  <circle cx="80" cy="620" r="60" fill="#ffffff" fill-opacity="0.14"/>
  <!-- neck with the chin's shadow -->
  <path d="M 336 560 L 432 560 L 432 700 C 410 730 358 730 336 700 Z" fill="$4"/>
  <path d="M 336 596 C 360 650 408 650 432 596 L 432 560 L 336 560 Z" fill="#000000" fill-opacity="0.12"/>
  <g transform="translate(0 -56)">
  <!-- shoulders and jacket -->
  <path d="M 40 1090 L 40 1024 C 52 860 150 772 296 748 L 472 748 C 618 772 716 860 728 1024 L 728 1090 Z" fill="url(#jacket)"/>
  <!-- shirt -->
  <path d="M 300 744 L 468 744 L 440 900 L 384 968 L 328 900 Z" fill="$8"/>
  <path d="M 336 744 L 432 744 L 384 798 Z" fill="$4"/>
  <!-- collar and lapels -->
  <path d="M 300 744 L 384 872 L 350 920 L 262 792 Z" fill="$7"/>
  <path d="M 468 744 L 384 872 L 418 920 L 506 792 Z" fill="$7"/>
  <path d="M 296 748 L 330 744 L 384 872 L 372 890 Z" fill="#ffffff" fill-opacity="0.18"/>
  <!-- pin -->
  <circle cx="560" cy="860" r="20" fill="$9"/>
  <circle cx="560" cy="860" r="9" fill="#ffffff" fill-opacity="0.85"/>
  </g>
  <!-- ears -->
  <ellipse cx="236" cy="440" rx="32" ry="50" fill="$4"/>
  <ellipse cx="532" cy="440" rx="32" ry="50" fill="$4"/>
  <ellipse cx="238" cy="440" rx="14" ry="26" fill="#000000" fill-opacity="0.1"/>
  <ellipse cx="530" cy="440" rx="14" ry="26" fill="#000000" fill-opacity="0.1"/>
  <!-- head -->
  <path d="M 236 400 C 236 250 300 214 384 214 C 468 214 532 250 532 400 C 532 520 470 612 384 612 C 298 612 236 520 236 400 Z" fill="url(#face)"/>
  <!-- hair -->
  <path d="M 228 430 C 204 300 250 196 340 178 C 420 160 510 180 542 262 C 562 318 550 380 540 430 C 530 372 520 330 496 300 C 440 320 380 300 330 262 C 300 300 262 320 246 344 C 236 370 230 400 228 430 Z" fill="$5"/>
  <path d="M 330 262 C 360 250 420 260 470 240 C 440 276 388 286 330 262 Z" fill="#ffffff" fill-opacity="0.12"/>
  <!-- eyebrows -->
  <path d="M 288 364 Q 320 344 354 358" stroke="$5" stroke-width="11" fill="none" stroke-linecap="round"/>
  <path d="M 414 358 Q 448 344 480 364" stroke="$5" stroke-width="11" fill="none" stroke-linecap="round"/>
  <!-- eyes -->
  <ellipse cx="322" cy="412" rx="29" ry="21" fill="#ffffff"/>
  <ellipse cx="446" cy="412" rx="29" ry="21" fill="#ffffff"/>
  <circle cx="325" cy="414" r="14" fill="#5a3b2a"/>
  <circle cx="449" cy="414" r="14" fill="#5a3b2a"/>
  <circle cx="325" cy="414" r="7" fill="#1d1410"/>
  <circle cx="449" cy="414" r="7" fill="#1d1410"/>
  <circle cx="330" cy="408" r="4.5" fill="#ffffff"/>
  <circle cx="454" cy="408" r="4.5" fill="#ffffff"/>
  <path d="M 292 404 Q 322 384 352 404" stroke="#2a1c14" stroke-width="5" fill="none" stroke-linecap="round"/>
  <path d="M 416 404 Q 446 384 476 404" stroke="#2a1c14" stroke-width="5" fill="none" stroke-linecap="round"/>
  <!-- nose -->
  <path d="M 386 436 Q 374 482 384 490 Q 394 494 404 486" stroke="#000000" stroke-opacity="0.22" stroke-width="6" fill="none" stroke-linecap="round"/>
  <!-- cheeks -->
  <ellipse cx="290" cy="490" rx="32" ry="19" fill="#f0707a" fill-opacity="0.28"/>
  <ellipse cx="478" cy="490" rx="32" ry="19" fill="#f0707a" fill-opacity="0.28"/>
  <!-- mouth: an open, friendly smile -->
  <path d="M 328 522 Q 384 596 440 522 Q 384 540 328 522 Z" fill="#7a2632"/>
  <path d="M 338 526 Q 384 540 430 526 L 426 538 Q 384 550 342 538 Z" fill="#ffffff"/>
  <path d="M 356 560 Q 384 578 412 560 Q 384 566 356 560 Z" fill="#e86a76"/>
</svg>
SVG
}

# 768x1024 PNG: sky-blue background, navy jacket.
presenter_svg '#8fd3e8' '#f6ecd6' '#f6c39c' '#e39f74' '#3b2a20' '#33558f' '#223a66' '#f7f7f2' '#f2b53a' \
  >"$WORK/presenter.svg"
rsvg-convert "$WORK/presenter.svg" -o "$WORK/presenter-raw.png"
convert "$WORK/presenter-raw.png" -strip -define png:compression-level=9 "PNG24:$OUT/presenter.png"

# 640x640 JPEG variant: warm background, darker skin, black hair, green jacket; cropped to the head.
presenter_svg '#ffcf9e' '#fff3c4' '#c98c64' '#a86f4c' '#1c1714' '#2f7d5b' '#1d5540' '#fff8ec' '#e85d75' \
  >"$WORK/presenter-square.svg"
rsvg-convert "$WORK/presenter-square.svg" -o "$WORK/presenter-square-raw.png"
convert "$WORK/presenter-square-raw.png" -crop 768x768+0+96 +repage -resize 640x640 -strip \
  -sampling-factor 4:2:0 -quality 88 "$OUT/presenter-square.jpg"

# ---------------------------------------------------------------------------------------------------
# Speech: espeak-ng, then sox to 22.05 kHz mono 16-bit with a little silence around it.
# ---------------------------------------------------------------------------------------------------
speak() { # speak OUTPUT.wav "text"
  espeak-ng -v en-us -s 150 -p 45 -w "$WORK/speech.wav" "$2"
  sox -D "$WORK/speech.wav" -r 22050 -c 1 -b 16 "$1" pad 0.25 0.35 norm -1 # -D: no dither, reproducible
}
speak "$OUT/welcome.wav" "Hello! I am your Kling avatar, rendered locally by the sandbox."
speak "$OUT/release-notes.wav" \
  "Here are this week's release notes. Batch renders are faster, and webhooks are now signed."

# Optional MP3 of the release notes, made with the npm ffmpeg if it was built with libmp3lame.
FFMPEG="$(cd "$ROOT/packages/sandbox" && node -p "require('@ffmpeg-installer/ffmpeg').path" 2>/dev/null || true)"
# (grep without -q reads all input: an early exit would kill ffmpeg with SIGPIPE and fail under pipefail)
if [ -n "$FFMPEG" ] && "$FFMPEG" -hide_banner -encoders 2>/dev/null | grep libmp3lame >/dev/null; then
  "$FFMPEG" -hide_banner -loglevel error -y -i "$OUT/release-notes.wav" -map_metadata -1 \
    -c:a libmp3lame -b:a 64k -ar 22050 -ac 1 -write_xing 1 -id3v2_version 0 "$OUT/release-notes.mp3"
else
  echo "note: no ffmpeg with libmp3lame found; release-notes.mp3 not regenerated" >&2
fi

ls -l "$OUT"
for file in "$OUT"/*.wav; do printf '%s: %ss\n' "$(basename "$file")" "$(soxi -D "$file")"; done
