/** Hands `blob` to the browser as a download named `name` (a report, the device secrets). */
export function saveFile (name: string, blob: Blob): void {
  const url = URL.createObjectURL(blob)
  const a = document.createElement('a')
  a.href = url
  a.download = name
  document.body.append(a)
  a.click()
  a.remove()
  // Let the click start the download before the URL goes.
  setTimeout(() => { URL.revokeObjectURL(url) }, 1000)
}
